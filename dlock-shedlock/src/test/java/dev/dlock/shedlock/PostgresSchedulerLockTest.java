package dev.dlock.shedlock;

/** Two Spring nodes on the embedded PostgreSQL. */
class PostgresSchedulerLockTest extends SchedulerLockContract {
    @Override
    Database database() {
        return Database.POSTGRESQL;
    }
}
