/**
 * JMH benchmarks of dlock beside the raw JDBC floor and peer libraries, the measurements of waiting threads the
 * suite makes itself, and the demo.
 */
package dev.dlock.bench;
