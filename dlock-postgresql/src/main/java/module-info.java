/** dlock's dialect for PostgreSQL advisory locks, found by {@code dev.dlock} through {@link java.util.ServiceLoader}. */
module dev.dlock.postgresql {
    requires dev.dlock;

    provides dev.dlock.spi.LockProvider with dev.dlock.postgresql.PostgresLockProvider;
}
