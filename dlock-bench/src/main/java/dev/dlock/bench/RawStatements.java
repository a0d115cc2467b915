package dev.dlock.bench;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The statements dlock sends, per kind of server, to run with plain JDBC as the floor beside dlock: the same
 * SQL, prepared once per connection, with none of dlock's checks around it. Also the questions the
 * benchmarks ask the server about sessions: who a session is, whether it is waiting for a lock, how many of
 * several are, and which statement a session last finished.
 */
enum RawStatements {
    /** PostgreSQL advisory locks, as {@code dev.dlock.postgresql.AdvisoryLock} sends them. */
    POSTGRESQL("SELECT pg_try_advisory_lock(?), pg_backend_pid()",
            // the release goes only to the session the lock was granted on (parameter 1)
            "SELECT CASE WHEN pg_backend_pid() = COALESCE(?, pg_backend_pid()) THEN pg_advisory_unlock(?) END,"
                    + " pg_backend_pid()",
            // one round trip: lock_timeout, and statement_timeout off, local to the implicit transaction of the
            // batch, bound the wait
            "SELECT set_config('lock_timeout', ?, true), set_config('statement_timeout', '0', true);"
                    + " SELECT pg_advisory_lock(?), pg_backend_pid()",
            "SELECT pg_backend_pid()",
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = ? AND locktype = 'advisory' AND NOT granted)",
            "SELECT count(*) FROM pg_locks WHERE pid IN (%s) AND locktype = 'advisory' AND NOT granted",
            // the instant the session last went idle: a new one for every statement it finishes
            "SELECT CASE WHEN state = 'idle' THEN CAST(state_change AS text) END FROM pg_stat_activity WHERE pid = ?"),
    /** MySQL and MariaDB named locks, as {@code dev.dlock.mysql.NamedLock} sends them to MariaDB. */
    MARIADB("SELECT GET_LOCK(?, ?), CONNECTION_ID()",
            "SELECT IF(CONNECTION_ID() = COALESCE(?, CONNECTION_ID()), RELEASE_LOCK(?), NULL), CONNECTION_ID()",
            // a session's max_statement_time does not cut the wait
            "SET STATEMENT max_statement_time=0 FOR SELECT GET_LOCK(?, ?), CONNECTION_ID()",
            "SELECT CONNECTION_ID()",
            "SELECT COUNT(*) > 0 FROM information_schema.PROCESSLIST WHERE ID = ? AND STATE = 'User lock'",
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID IN (%s) AND STATE = 'User lock'",
            // the server's number of the session's last statement, which it keeps while the session sleeps
            "SELECT IF(COMMAND = 'Sleep', CAST(QUERY_ID AS CHAR), NULL) FROM information_schema.PROCESSLIST"
                    + " WHERE ID = ?");

    /** The longest single {@code GET_LOCK} wait of dlock's (and the raw) "forever" loop: an hour. */
    private static final BigDecimal MARIADB_LONGEST_WAIT_SECONDS = BigDecimal.valueOf(3600);

    final String trySql;
    final String unlockSql;
    final String waitSql;
    final String sessionIdSql;
    final String waitingSql;
    /** How many of the sessions listed in place of {@code %s} wait for a lock. */
    final String waitingCountSql;
    /** A mark of the last statement a session finished, different for each; {@code NULL} while it runs one. */
    final String lastFinishedSql;

    RawStatements(String trySql, String unlockSql, String waitSql, String sessionIdSql, String waitingSql,
                  String waitingCountSql, String lastFinishedSql) {
        this.trySql = trySql;
        this.unlockSql = unlockSql;
        this.waitSql = waitSql;
        this.sessionIdSql = sessionIdSql;
        this.waitingSql = waitingSql;
        this.waitingCountSql = waitingCountSql;
        this.lastFinishedSql = lastFinishedSql;
    }

    static RawStatements forUrl(String url) {
        if (url.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        if (url.startsWith("jdbc:mariadb:") || url.startsWith("jdbc:mysql:")) {
            return MARIADB;
        }
        throw new IllegalArgumentException("no raw statements for " + url.replaceAll("\\?.*", ""));
    }

    /** @return the server's id of the session behind {@code connection} */
    long sessionId(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sessionIdSql);
             ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** @return a question, asked on {@code observer}, whether session {@code sessionId} waits for a lock */
    WaitProbe waitProbe(Connection observer, long sessionId) throws SQLException {
        PreparedStatement statement = observer.prepareStatement(waitingSql);
        statement.setLong(1, sessionId);
        return () -> {
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        };
    }

    /**
     * @return a question, asked on {@code observer}, how many of the sessions {@code sessionIds} wait for a lock
     */
    WaitCount waitCount(Connection observer, Collection<Long> sessionIds) throws SQLException {
        // the ids are numbers the server gave: written into the SQL, one statement for any number of them
        PreparedStatement statement = observer.prepareStatement(String.format(Locale.ROOT, waitingCountSql,
                sessionIds.stream().map(String::valueOf).collect(Collectors.joining(", "))));
        return () -> {
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        };
    }

    /**
     * @return a question, asked on {@code observer}, which statement a session last finished: so that a benchmark
     *     can see that a statement sent in the background (a watch's check) has been answered
     */
    LastFinished lastFinished(Connection observer) throws SQLException {
        PreparedStatement statement = observer.prepareStatement(lastFinishedSql);
        return sessionId -> {
            statement.setLong(1, sessionId);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("the server shows no session " + sessionId);
                }
                return rs.getString(1);
            }
        };
    }

    /** @return the raw lock of {@code databaseKey} (as dlock derives it) on {@code connection} */
    RawLock lockOn(Connection connection, Object databaseKey) throws SQLException {
        return new RawLock(this, connection, databaseKey);
    }

    /** Whether a session is waiting for a lock, asked from another connection. */
    @FunctionalInterface
    interface WaitProbe {
        boolean waiting() throws SQLException;
    }

    /** How many of some sessions are waiting for a lock, asked from another connection. */
    @FunctionalInterface
    interface WaitCount {
        int count() throws SQLException;
    }

    /** Which statement a session last finished, asked from another connection. */
    @FunctionalInterface
    interface LastFinished {
        /**
         * @param sessionId the session, as {@link #sessionId} names it
         * @return a mark of the last statement the session finished, equal for the same statement and different
         *     for the next one; {@code null} while the session runs one
         * @throws SQLException if the question fails, or the server shows no such session
         */
        String mark(long sessionId) throws SQLException;
    }

    /** One key's raw statements, prepared once on one connection; not for concurrent use. */
    static final class RawLock {
        private final RawStatements kind;
        private final PreparedStatement tryLock;
        private final PreparedStatement unlock;
        private final PreparedStatement wait;

        private RawLock(RawStatements kind, Connection connection, Object databaseKey) throws SQLException {
            this.kind = kind;
            tryLock = connection.prepareStatement(kind.trySql);
            tryLock.setObject(1, databaseKey);
            if (kind == MARIADB) {
                tryLock.setBigDecimal(2, BigDecimal.ZERO); // dlock's one attempt: a zero wait
            }
            unlock = connection.prepareStatement(kind.unlockSql);
            unlock.setLong(1, kind.sessionId(connection)); // dlock knows it from the statement that took the lock
            unlock.setObject(2, databaseKey);
            wait = connection.prepareStatement(kind.waitSql);
            wait.setObject(kind == POSTGRESQL ? 2 : 1, databaseKey);
        }

        boolean tryLock() throws SQLException {
            return booleanOf(tryLock);
        }

        boolean unlock() throws SQLException {
            return booleanOf(unlock);
        }

        /** Waits as long as it takes. */
        void lock() throws SQLException {
            if (kind == POSTGRESQL) {
                wait.setString(1, Integer.toString(Integer.MAX_VALUE)); // dlock's longest request, as in acquire()
                wait.execute();
                return;
            }
            // a negative GET_LOCK timeout is NULL on MariaDB: "forever" is a loop of long waits, as in dlock
            wait.setBigDecimal(2, MARIADB_LONGEST_WAIT_SECONDS);
            boolean acquired;
            do {
                acquired = booleanOf(wait);
            } while (!acquired);
        }

        /** Cancels the blocking statement, from another thread, as dlock does when its waiter is interrupted. */
        void cancel() throws SQLException {
            wait.cancel();
        }

        /** @return whether it was acquired within {@code timeoutMillis} */
        boolean lock(long timeoutMillis) throws SQLException {
            if (kind == POSTGRESQL) {
                wait.setString(1, Long.toString(timeoutMillis));
                try {
                    wait.execute();
                    return true;
                } catch (SQLException e) {
                    if ("55P03".equals(e.getSQLState())) {
                        return false; // lock_not_available: lock_timeout expired
                    }
                    throw e;
                }
            }
            wait.setBigDecimal(2, BigDecimal.valueOf(timeoutMillis, 3));
            return booleanOf(wait);
        }

        private static boolean booleanOf(PreparedStatement statement) throws SQLException {
            // execute(), as dlock does: Connector/J refuses executeQuery() for SET STATEMENT ... FOR SELECT
            statement.execute();
            try (ResultSet rs = statement.getResultSet()) {
                rs.next();
                boolean value = rs.getBoolean(1);
                if (rs.wasNull()) {
                    throw new SQLException("the server answered NULL to " + statement);
                }
                return value;
            }
        }
    }
}
