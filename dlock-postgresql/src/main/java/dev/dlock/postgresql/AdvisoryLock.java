package dev.dlock.postgresql;

import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.concurrent.TimeUnit;

/**
 * One advisory lock key in one mode and scope.
 *
 * <p>A wait is the blocking {@code pg_advisory_lock} bounded by {@code lock_timeout}, with
 * {@code statement_timeout} off, both set with {@code set_config(..., true)} so that they last only as long as the
 * transaction around the wait: the caller's timeout bounds the wait, and a session's {@code statement_timeout}
 * (often set per role) does not cut it short.
 * <ul>
 *   <li>In auto-commit mode the settings and the lock go to the server as one batch, which PostgreSQL runs as
 *       one implicit transaction: the session's own settings are back as soon as the batch ends, whatever
 *       happened, in one round trip.</li>
 *   <li>Inside the caller's transaction the wait runs under a savepoint, so a timeout or a cancel (which
 *       fail the statement) is rolled back to the savepoint instead of aborting the transaction. On success the
 *       savepoint is released, never rolled back to (that would free a transaction-scoped lock), and the
 *       caller's {@code lock_timeout} and {@code statement_timeout} are put back for the rest of the
 *       transaction.</li>
 * </ul>
 * An attempt that must not wait is the {@code pg_try_advisory_*} form, which never fails on a busy key.
 *
 * <p>Every statement also reads {@code pg_backend_pid()}, the server session it ran on ({@link #session()}), and
 * the unlock runs only on the session the lock was granted on: behind a transaction-pooling proxy, a release
 * that reaches another session frees nothing there (another client's lock on that session stays).
 */
final class AdvisoryLock implements DialectLock {
    /** SQLSTATE lock_not_available: {@code lock_timeout} expired. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";
    /** SQLSTATE in_failed_sql_transaction: the caller's transaction had already failed. */
    private static final String IN_FAILED_TRANSACTION = "25P02";
    /** {@code lock_timeout} is an int of milliseconds: the longest one request waits (24.8 days). */
    private static final long MAX_LOCK_TIMEOUT_MS = Integer.MAX_VALUE;
    /** Puts the caller's settings back, inside their transaction, after a wait that got the lock. */
    private static final String RESTORE_SQL = "SELECT set_config('lock_timeout', ?, true),"
            + " set_config('statement_timeout', ?, true); RELEASE SAVEPOINT dlock_wait";

    private final long key;
    private final boolean transactionScoped;
    private final Kind kind;
    /** The backend the last statement ran on. */
    private Integer session;
    /** The backend the lock was last seen granted on: the only one its unlock is sent to. */
    private Integer grantedSession;

    AdvisoryLock(long key, boolean shared, boolean transactionScoped) {
        this.key = key;
        this.transactionScoped = transactionScoped;
        this.kind = Kind.of(shared, transactionScoped);
    }

    /**
     * The statements of one kind of advisory lock (shared or not, transaction-scoped or not), built once: lock
     * objects are made per acquisition, and the driver's statement cache then finds the same string instance.
     */
    private record Kind(String trySql, String autoCommitWaitSql, String transactionWaitSql, String unlockSql,
                        String mode) {
        private static final Kind[] KINDS = {
            make(false, false), make(true, false), make(false, true), make(true, true),
        };

        static Kind of(boolean shared, boolean transactionScoped) {
            return KINDS[(shared ? 1 : 0) + (transactionScoped ? 2 : 0)];
        }

        private static Kind make(boolean shared, boolean transactionScoped) {
            String function = (transactionScoped ? "_xact" : "") + "_lock" + (shared ? "_shared" : "");
            String wait = "SELECT set_config('lock_timeout', ?, true), set_config('statement_timeout', '0', true);"
                    + " SELECT pg_advisory" + function + "(?), pg_backend_pid()";
            return new Kind("SELECT pg_try_advisory" + function + "(?), pg_backend_pid()",
                    wait,
                    "SAVEPOINT dlock_wait; SELECT current_setting('lock_timeout'), current_setting('statement_timeout');"
                            + " " + wait,
                    // an unknown grant session (null) means "this one"
                    "SELECT CASE WHEN pg_backend_pid() = COALESCE(?, pg_backend_pid()) THEN pg_advisory_unlock"
                            + (shared ? "_shared" : "") + "(?) END, pg_backend_pid()",
                    shared ? "ShareLock" : "ExclusiveLock");
        }
    }

    @Override
    public Object databaseKey() {
        return key;
    }

    @Override
    public boolean releasable() {
        return !transactionScoped;
    }

    @Override
    public boolean request(Connection connection, LockRequest request) throws SQLException {
        long timeoutMillis = request.timeout(TimeUnit.MILLISECONDS, MAX_LOCK_TIMEOUT_MS);
        if (timeoutMillis == 0) {
            return tryLock(connection);
        }
        String timeout = Long.toString(timeoutMillis);
        return connection.getAutoCommit()
                ? waitInAutoCommit(connection, request, timeout)
                : waitInTransaction(connection, request, timeout);
    }

    private boolean tryLock(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(kind.trySql())) {
            statement.setLong(1, key);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return granted(rs.getBoolean(1), rs);
            }
        }
    }

    private boolean waitInAutoCommit(Connection connection, LockRequest request, String timeout) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(kind.autoCommitWaitSql())) {
            statement.setString(1, timeout);
            statement.setLong(2, key);
            return request.cancellable(statement, () -> {
                statement.execute();
                try (ResultSet rs = result(statement, 1)) {
                    return granted(true, rs);
                }
            });
        } catch (SQLException e) {
            if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                return grantedAsTheTimeoutFired(connection, e);
            }
            throw e;
        }
    }

    private boolean waitInTransaction(Connection connection, LockRequest request, String timeout) throws SQLException {
        String callersLockTimeout;
        String callersStatementTimeout;
        try (PreparedStatement statement = connection.prepareStatement(kind.transactionWaitSql())) {
            statement.setString(1, timeout);
            statement.setLong(2, key);
            request.cancellable(statement, statement::execute);
            try (ResultSet settings = result(statement, 1)) { // after the savepoint's update count
                callersLockTimeout = settings.getString(1);
                callersStatementTimeout = settings.getString(2);
            }
            try (ResultSet rs = result(statement, 2)) { // after the set_config row
                granted(true, rs);
            }
        } catch (SQLException e) {
            if (IN_FAILED_TRANSACTION.equals(e.getSQLState())) {
                throw e; // no savepoint was made; the caller's transaction is theirs to roll back
            }
            rollBackToSavepoint(connection, e);
            if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                return grantedAsTheTimeoutFired(connection, e);
            }
            throw e;
        }
        if (transactionScoped && request.abandoned()) {
            // granted as the interrupt landed; unlock cannot free a transaction lock, the savepoint can
            rollBackToSavepoint(connection, null);
            return false;
        }
        try (PreparedStatement statement = connection.prepareStatement(RESTORE_SQL)) {
            statement.setString(1, callersLockTimeout);
            statement.setString(2, callersStatementTimeout);
            statement.execute();
        }
        return true;
    }

    /**
     * Moves a batch on by {@code steps} results and answers the result set it reaches.
     *
     * @throws SQLException if there is no result set there
     */
    private static ResultSet result(Statement statement, int steps) throws SQLException {
        for (int i = 0; i < steps; i++) {
            statement.getMoreResults();
        }
        ResultSet rs = statement.getResultSet();
        if (rs == null || !rs.next()) {
            throw new SQLException("the lock statement's batch answered with fewer results than it has statements");
        }
        return rs;
    }

    /**
     * Reads the backend a statement ran on from its row (every statement's second column is
     * {@code pg_backend_pid()}) and remembers it; a lock seen granted remembers it as the session its unlock goes
     * to.
     *
     * @param granted whether the statement shows the lock granted
     * @param row     the statement's row, on it
     * @return {@code granted}
     */
    private boolean granted(boolean granted, ResultSet row) throws SQLException {
        session = row.getInt(2);
        if (granted) {
            grantedSession = session;
        }
        return granted;
    }

    /**
     * PostgreSQL may grant the lock in the very instant {@code lock_timeout} ends the wait: the statement still
     * fails, but the grant stands (the server's lock-wait cleanup keeps a lock granted meanwhile), and a session
     * lock outlives the failed statement and the savepoint. So after a timeout a session lock is looked for in
     * {@code pg_locks}, and reported granted if it is there. A transaction lock needs no look: rolling back to
     * the savepoint took it back with the subtransaction. (A wait ended by a cancel, dlock's or anyone's, fails
     * with another SQLSTATE; the API looks after that one.)
     */
    private boolean grantedAsTheTimeoutFired(Connection connection, SQLException timeout) throws SQLException {
        if (transactionScoped) {
            return false;
        }
        try {
            return isHeld(connection);
        } catch (SQLException e) {
            timeout.addSuppressed(e);
            throw timeout;
        }
    }

    private static void rollBackToSavepoint(Connection connection, SQLException failure) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("ROLLBACK TO SAVEPOINT dlock_wait; RELEASE SAVEPOINT dlock_wait");
        } catch (SQLException e) {
            if (failure == null) {
                throw e;
            }
            failure.addSuppressed(e);
        }
    }

    @Override
    public boolean unlock(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(kind.unlockSql())) {
            if (grantedSession == null) {
                statement.setNull(1, Types.INTEGER);
            } else {
                statement.setInt(1, grantedSession);
            }
            statement.setLong(2, key);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                boolean released = rs.getBoolean(1); // NULL, on another backend, reads as false
                session = rs.getInt(2);
                return released;
            }
        }
    }

    /** A bigint advisory key shows in {@code pg_locks} as classid (high half), objid (low half), objsubid 1. */
    @Override
    public boolean isHeld(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_locks"
                + " WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND mode = ?"
                + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                + " AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 1), pg_backend_pid()")) {
            statement.setString(1, kind.mode());
            statement.setLong(2, key >>> 32);
            statement.setLong(3, key & 0xffffffffL);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return granted(rs.getBoolean(1), rs);
            }
        }
    }

    @Override
    public Object session() {
        return session;
    }
}
