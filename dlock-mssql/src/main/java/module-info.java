/** dlock's dialect for SQL Server application locks, found by {@code dev.dlock} through {@link java.util.ServiceLoader}. */
module dev.dlock.mssql {
    requires dev.dlock;

    provides dev.dlock.spi.LockProvider with dev.dlock.mssql.SqlServerLockProvider;
}
