package dev.dlock.mysql;

import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockRequest;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
 */
final class NamedLock implements DialectLock {
    /**
     * The longest single {@code GET_LOCK}: long, so that a waiter keeps its place in the server's queue;
     * finite, so that a driver's {@code socketTimeout} longer than it never cuts a wait.
     */
    static final long LONGEST_WAIT_SECONDS = 3600;

    private final String name;
    private final boolean wholeSeconds;
    private final String identity;

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
        try (PreparedStatement statement = connection.prepareStatement("SELECT GET_LOCK(?, ?)")) {
            statement.setString(1, name);
            Long answer;
            if (wholeSeconds) {
                statement.setLong(2, request.timeout(TimeUnit.SECONDS, LONGEST_WAIT_SECONDS));
                answer = request.cancellableUntilDeadline(statement, () -> answer(statement));
            } else {
                long micros = request.timeout(TimeUnit.MICROSECONDS, TimeUnit.SECONDS.toMicros(LONGEST_WAIT_SECONDS));
                statement.setBigDecimal(2, BigDecimal.valueOf(micros, 6));
                answer = request.cancellable(statement, () -> answer(statement));
            }
            if (answer == null) {
                throw new SQLException("GET_LOCK returned NULL: the server ended the wait without saying why"
                        + " (killed by another session?)");
            }
            return answer == 1;
        }
    }

    /** {@code IS_USED_LOCK} names the connection id of the session that holds the name, or NULL. */
    @Override
    public boolean isHeld(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT IS_USED_LOCK(?) = CONNECTION_ID()")) {
            statement.setString(1, name);
            Long answer = answer(statement);
            return answer != null && answer == 1;
        }
    }

    @Override
    public boolean unlock(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT RELEASE_LOCK(?)")) {
            statement.setString(1, name);
            Long answer = answer(statement);
            return answer != null && answer == 1;
        }
    }

    /** @return the single number the statement answers, or {@code null} for SQL NULL */
    private static Long answer(PreparedStatement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the server answered with no row");
            }
            long value = rs.getLong(1);
            return rs.wasNull() ? null : value;
        }
    }
}
