package dev.dlock.postgresql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** What {@code pg_locks} says about one advisory key: a bigint key shows as classid (high half), objid (low half). */
final class PostgresServerView {
    private PostgresServerView() {
    }

    static int sessions(Connection observer, long key, boolean granted) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement("SELECT COUNT(*) FROM pg_locks"
                + " WHERE locktype = 'advisory' AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 1"
                + " AND granted = ?")) {
            statement.setLong(1, key >>> 32);
            statement.setLong(2, key & 0xffffffffL);
            statement.setBoolean(3, granted);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
