package dev.dlock.spring;

import dev.dlock.DataSourceLocks;
import dev.dlock.tck.PostgresDatabase;
import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/** {@link LockRegistryContract} on PostgreSQL advisory locks. */
class PostgresLockRegistryTest extends LockRegistryContract {

    @Override
    TestDatabase database() {
        return PostgresDatabase.instance();
    }

    @Override
    String dialect() {
        return "PostgreSQL";
    }

    @Override
    boolean heldOnServer(Connection observer, DataSourceLocks locks, String key) throws SQLException {
        return sessions(observer, locks, key, true) > 0;
    }

    @Override
    int waitersOnServer(Connection observer, DataSourceLocks locks, String key) throws SQLException {
        return sessions(observer, locks, key, false);
    }

    @Override
    void killHolder(Connection observer, DataSourceLocks locks, String key) throws SQLException {
        long advisoryKey = (Long) locks.lock(key).databaseKey();
        try (PreparedStatement statement = observer.prepareStatement("SELECT pg_terminate_backend(pid), pid"
                + " FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = ? AND objid::bigint = ?"
                + " AND objsubid = 1 AND granted")) {
            statement.setLong(1, advisoryKey >>> 32);
            statement.setLong(2, advisoryKey & 0xffffffffL);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    throw new IllegalStateException("no session holding " + key + " was ended");
                }
                awaitGone(observer, rs.getLong(2));
            }
        }
    }

    /** Asks the server until the session is gone from {@code pg_stat_activity}. */
    private static void awaitGone(Connection observer, long pid) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?")) {
            statement.setLong(1, pid);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try (ResultSet rs = statement.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("session " + pid + " never ended");
                }
            }
        }
    }

    /** {@code pg_locks} shows a bigint advisory key as classid (its high half) and objid (its low half). */
    private static int sessions(Connection observer, DataSourceLocks locks, String key, boolean granted)
            throws SQLException {
        long advisoryKey = (Long) locks.lock(key).databaseKey();
        try (PreparedStatement statement = observer.prepareStatement("SELECT COUNT(*) FROM pg_locks"
                + " WHERE locktype = 'advisory' AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 1"
                + " AND granted = ?")) {
            statement.setLong(1, advisoryKey >>> 32);
            statement.setLong(2, advisoryKey & 0xffffffffL);
            statement.setBoolean(3, granted);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
