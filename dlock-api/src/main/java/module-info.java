/**
 * dlock: distributed locks on the database a program already runs, through plain JDBC. {@code dev.dlock} is what
 * programs use ({@link dev.dlock.Locks} is the front door); {@code dev.dlock.spi} is what a dialect implements.
 * Dialects are found through {@link java.util.ServiceLoader}: add the module of your database's dialect.
 */
module dev.dlock {
    requires transitive java.sql;

    exports dev.dlock;
    exports dev.dlock.spi;

    uses dev.dlock.spi.LockProvider;
}
