package dev.dlock.shedlock;

import dev.dlock.Locks;
import dev.dlock.tck.MariaDbDatabase;
import dev.dlock.tck.PostgresDatabase;
import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The databases the provider is tested on, each with the server's own view of a dlock key: which session holds it
 * ({@code pg_locks}, {@code IS_USED_LOCK}), and how an administrator ends a session.
 */
enum Database {
    POSTGRESQL {
        @Override
        TestDatabase database() {
            return PostgresDatabase.instance();
        }

        @Override
        long holder(Connection observer, String key) throws SQLException {
            // the advisory key as dlock derives it; pg_locks shows it as two 32-bit halves
            long advisoryKey = (Long) Locks.forConnection(observer, key).databaseKey();
            try (PreparedStatement statement = observer.prepareStatement("SELECT COALESCE(MAX(pid), 0) FROM pg_locks"
                    + " WHERE locktype = 'advisory' AND granted AND classid::bigint = ? AND objid::bigint = ?"
                    + " AND objsubid = 1")) {
                statement.setLong(1, advisoryKey >>> 32);
                statement.setLong(2, advisoryKey & 0xffffffffL);
                try (ResultSet rs = statement.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        }

        @Override
        void kill(Connection observer, long session) throws SQLException {
            try (PreparedStatement statement = observer.prepareStatement("SELECT pg_terminate_backend(?)")) {
                statement.setInt(1, Math.toIntExact(session));
                statement.execute();
            }
        }
    },
    MARIADB {
        @Override
        TestDatabase database() {
            return MariaDbDatabase.instance().throughMariaDbDriver();
        }

        @Override
        long holder(Connection observer, String key) throws SQLException {
            try (PreparedStatement statement = observer.prepareStatement("SELECT IS_USED_LOCK(?)")) {
                statement.setString(1, key);
                try (ResultSet rs = statement.executeQuery()) {
                    rs.next();
                    return rs.getLong(1); // NULL, nobody, reads 0
                }
            }
        }

        @Override
        void kill(Connection observer, long session) throws SQLException {
            try (Statement statement = observer.createStatement()) {
                statement.execute("KILL " + session);
            }
        }
    };

    /** @return the shared server of the test JVM */
    abstract TestDatabase database();

    /**
     * @param observer a connection that holds nothing
     * @param key      a dlock key
     * @return the id of the session holding it on the server, or 0 if none does
     * @throws SQLException if the question fails
     */
    abstract long holder(Connection observer, String key) throws SQLException;

    /**
     * Ends a session as an administrator would: its locks are freed by the server.
     *
     * @param observer a connection allowed to end other sessions
     * @param session  the session's id, from {@link #holder}
     * @throws SQLException if it fails
     */
    abstract void kill(Connection observer, long session) throws SQLException;
}
