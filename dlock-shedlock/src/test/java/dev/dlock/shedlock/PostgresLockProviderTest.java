package dev.dlock.shedlock;

/** The provider on the embedded PostgreSQL: advisory locks on the BLAKE2b-64 of the name. */
class PostgresLockProviderTest extends LockProviderContract {
    @Override
    Database database() {
        return Database.POSTGRESQL;
    }
}
