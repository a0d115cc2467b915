/** JMH benchmarks of dlock beside the raw JDBC floor and peer libraries, and the demo. */
package dev.dlock.bench;
