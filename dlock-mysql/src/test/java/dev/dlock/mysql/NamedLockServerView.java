package dev.dlock.mysql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** What the server says about one lock name, asked from a connection that holds nothing. */
final class NamedLockServerView {
    private NamedLockServerView() {
    }

    /** @return whether any session holds {@code name}: {@code IS_USED_LOCK(name) IS NOT NULL} */
    static boolean isUsed(Connection observer, String name) throws SQLException {
        return queryLong(observer, "SELECT IS_USED_LOCK(?) IS NOT NULL", name) == 1;
    }

    /** @return whether nobody holds {@code name}: {@code IS_FREE_LOCK(name)} */
    static boolean isFree(Connection observer, String name) throws SQLException {
        return queryLong(observer, "SELECT IS_FREE_LOCK(?)", name) == 1;
    }

    /**
     * Sessions blocked in {@code GET_LOCK} for {@code name}: their PROCESSLIST state is "User lock" and their
     * statement text holds the name as a quoted literal (both drivers prepare on the client by default, so the
     * text has the literal). Good for plain names such as the contract's.
     */
    static int waiters(Connection observer, String name) throws SQLException {
        String pattern = "%GET\\_LOCK('" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "'%";
        try (PreparedStatement statement = observer.prepareStatement("SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                + " WHERE STATE LIKE '%user lock%' AND INFO LIKE ?")) {
            statement.setString(1, pattern);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static long queryLong(Connection connection, String sql, String name) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, name);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
