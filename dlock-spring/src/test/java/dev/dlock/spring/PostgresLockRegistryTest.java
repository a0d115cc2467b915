package dev.dlock.spring;

import dev.dlock.DataSourceLocks;
import dev.dlock.tck.PostgresDatabase;
import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

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
