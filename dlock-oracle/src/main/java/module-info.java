/** dlock's dialect for Oracle DBMS_LOCK user locks, found by {@code dev.dlock} through {@link java.util.ServiceLoader}. */
module dev.dlock.oracle {
    requires dev.dlock;

    provides dev.dlock.spi.LockProvider with dev.dlock.oracle.OracleLockProvider;
}
