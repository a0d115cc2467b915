package dev.dlock.shedlock;

/** Two Spring nodes on the embedded MariaDB. */
class MariaDbSchedulerLockTest extends SchedulerLockContract {
    @Override
    Database database() {
        return Database.MARIADB;
    }
}
