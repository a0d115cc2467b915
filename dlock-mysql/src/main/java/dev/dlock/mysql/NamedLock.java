package dev.dlock.mysql;

import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockRequest;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.concurrent.TimeUnit;

/**
 * One MySQL or MariaDB named lock: {@code GET_LOCK(name, timeout)} and {@code RELEASE_LOCK(name)}, the name
 * always bound as a parameter.
 *
 * <p>{@code GET_LOCK} answers 1 (granted), 0 (timed out) or NULL. The server gives NULL when the wait was
 * killed (MariaDB, and older MySQL; MySQL 8 fails the statement with error 1317 instead): that is an
 * {@link SQLException} here, never a quiet "not acquired"; after dlock's own cancel the API reports the
 * interrupt or the deadline, otherwise the server gave up for a reason it did not say. {@code RELEASE_LOCK}
 * answers 1 (released), 0 (another session holds it) or NULL (nobody does); both of the last two mean this
 * session had lost it.
 *
 * <p>Timeouts: MariaDB reads the {@code GET_LOCK} timeout as fractional seconds and waits that long to the
 * microsecond, so it gets the remaining time rounded up to the microsecond. MySQL reads whole seconds (a
 * fraction rounded half-up), so it gets the remaining time rounded up to whole seconds, and the statement is
 * cancelled at the deadline itself ({@link LockRequest#cancellableUntilDeadline}): a 200 ms wait is
 * {@code GET_LOCK(name, 1)} cut at 200 ms. A timeout is never negative (MariaDB answers a negative one with
 * NULL): one request waits at most {@value #LONGEST_WAIT_SECONDS} seconds, and the API asks again while the
 * caller's time lasts.
 *
 * <p>The session's statement timer does not cut a wait: a waiting {@code GET_LOCK} runs with MariaDB's
 * {@code max_statement_time} off ({@code SET STATEMENT max_statement_time=0 FOR ...}) and with MySQL's
 * {@code max_execution_time} overridden by the optimizer hint {@code MAX_EXECUTION_TIME}, set past the longest
 * wait; the session's own values are not touched, and one attempt ({@code tryAcquire()}) and the release keep
 * them.
 *
 * <p>Every statement also reads {@code CONNECTION_ID()}, the server session it ran on ({@link #session()}), and
 * {@code RELEASE_LOCK} runs only on the session the lock was granted on.
 */
final class NamedLock implements DialectLock {
    /**
     * The longest single {@code GET_LOCK}: long, so that a waiter keeps its place in the server's queue;
     * finite, so that a driver's {@code socketTimeout} longer than it never cuts a wait.
     */
    static final long LONGEST_WAIT_SECONDS = 3600;
    /** One attempt: the caller's statement limits apply. */
    private static final String TRY = "SELECT GET_LOCK(?, ?), CONNECTION_ID()";
    /** MariaDB: the wait without the session's {@code max_statement_time}. */
    private static final String MARIADB_WAIT = "SET STATEMENT max_statement_time=0 FOR " + TRY;
    /**
     * MySQL: the wait with a statement timer past the longest wait, in place of the session's
     * {@code max_execution_time} (a hint of 0 would fall back to the session's value). A number of dlock's, not
     * input.
     */
    private static final String MYSQL_WAIT = "SELECT /*+ MAX_EXECUTION_TIME("
            + TimeUnit.SECONDS.toMillis(LONGEST_WAIT_SECONDS + 60) + ") */ GET_LOCK(?, ?), CONNECTION_ID()";

    private final String name;
    private final boolean wholeSeconds;
    private final String identity;
    /** The session the last statement ran on. */
    private Long session;
    /** The session the lock was last seen granted on: the only one its release is sent to. */
    private Long grantedSession;

    /**
     * @param name         the lock name
     * @param wholeSeconds whether the server reads the timeout as whole seconds (MySQL) rather than fractional
     *                     (MariaDB)
     * @param identity     the name as the server compares it
     */
    NamedLock(String name, boolean wholeSeconds, String identity) {
        this.name = name;
        this.wholeSeconds = wholeSeconds;
        this.identity = identity;
    }

    @Override
    public Object databaseKey() {
        return name;
    }

    /** The name as the server compares it: lower-cased on MySQL, as it is on MariaDB. */
    @Override
    public Object identity() {
        return identity;
    }

    @Override
    public boolean request(Connection connection, LockRequest request) throws SQLException {
        long timeout = wholeSeconds
                ? request.timeout(TimeUnit.SECONDS, LONGEST_WAIT_SECONDS)
                : request.timeout(TimeUnit.MICROSECONDS, TimeUnit.SECONDS.toMicros(LONGEST_WAIT_SECONDS));
        String sql = timeout == 0 ? TRY : wholeSeconds ? MYSQL_WAIT : MARIADB_WAIT;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, name);
            Long answer;
            if (wholeSeconds) {
                statement.setLong(2, timeout);
                answer = request.cancellableUntilDeadline(statement, () -> answer(statement));
            } else {
                statement.setBigDecimal(2, BigDecimal.valueOf(timeout, 6));
                answer = request.cancellable(statement, () -> answer(statement));
            }
            if (answer == null) {
                throw new SQLException("GET_LOCK returned NULL: the server ended the wait without saying why"
                        + " (killed by another session?)");
            }
            return granted(answer == 1);
        }
    }

    /** {@code IS_USED_LOCK} names the connection id of the session that holds the name, or NULL. */
    @Override
    public boolean isHeld(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT IS_USED_LOCK(?), CONNECTION_ID()")) {
            statement.setString(1, name);
            Long holder = answer(statement);
            return granted(holder != null && holder.equals(session));
        }
    }

    @Override
    public boolean unlock(Connection connection) throws SQLException {
        // an unknown grant session (NULL) means "this one"
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT IF(CONNECTION_ID() = COALESCE(?, CONNECTION_ID()), RELEASE_LOCK(?), NULL), CONNECTION_ID()")) {
            if (grantedSession == null) {
                statement.setNull(1, Types.BIGINT);
            } else {
                statement.setLong(1, grantedSession);
            }
            statement.setString(2, name);
            Long answer = answer(statement);
            return answer != null && answer == 1;
        }
    }

    @Override
    public Object session() {
        return session;
    }

    private boolean granted(boolean granted) {
        if (granted) {
            grantedSession = session;
        }
        return granted;
    }

    /**
     * Runs the statement and reads its row: the answer, and the session it ran on, which is remembered.
     *
     * @return the answer, {@code null} for SQL NULL
     */
    private Long answer(PreparedStatement statement) throws SQLException {
        // execute(), not executeQuery(): Connector/J refuses the latter for SQL that starts with SET (SET STATEMENT)
        if (!statement.execute()) {
            throw new SQLException("the server answered with no result set");
        }
        try (ResultSet rs = statement.getResultSet()) {
            if (!rs.next()) {
                throw new SQLException("the server answered with no row");
            }
            long value = rs.getLong(1);
            Long answer = rs.wasNull() ? null : value;
            session = rs.getLong(2);
            return answer;
        }
    }
}
