/**
 * dlock's implementation. Not an API: nothing here is promised to stay, and dialects must not use it.
 */
package dev.dlock.internal;
