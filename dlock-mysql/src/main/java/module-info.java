/** dlock's dialect for MySQL and MariaDB named locks, found by {@code dev.dlock} through {@link java.util.ServiceLoader}. */
module dev.dlock.mysql {
    requires dev.dlock;

    provides dev.dlock.spi.LockProvider with dev.dlock.mysql.MariaDbLockProvider, dev.dlock.mysql.MySqlLockProvider;
}
