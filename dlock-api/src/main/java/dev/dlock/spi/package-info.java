/**
 * What a dialect implements: a {@link dev.dlock.spi.LockProvider}, registered in
 * {@code META-INF/services/dev.dlock.spi.LockProvider}, that says which databases it handles and makes a
 * {@link dev.dlock.spi.DialectLock} (the SQL and its return codes) for each key. Everything around the SQL
 * (argument checks, the one-lock-per-connection rule, interrupts and cancellation, error messages) is
 * done once, by the API, for every dialect.
 */
package dev.dlock.spi;
