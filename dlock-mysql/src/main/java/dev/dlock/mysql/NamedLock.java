package dev.dlock.mysql;

import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockWait;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * One MySQL or MariaDB named lock: {@code GET_LOCK(name, timeout)} and {@code RELEASE_LOCK(name)}, the name
 * always bound as a parameter.
 *
 * <p>{@code GET_LOCK} answers 1 (granted), 0 (timed out) or NULL. The server gives NULL when the wait was
 * killed (MariaDB, and older MySQL; MySQL 8 fails the statement with error 1317 instead): after dlock's own
 * cancel that is the interrupt ({@code false}, which the API turns into a {@code LockInterruptedException});
 * any other NULL means the server gave up for a reason it did not say, and is an error, never a quiet
 * "not acquired". {@code RELEASE_LOCK} answers 1 (released), 0 (another session holds it) or NULL (nobody
 * does); both of the last two mean this session had lost it.
 *
 * <p>Timeouts follow the server's {@link WaitPlan}: fractional seconds on MariaDB, whole seconds plus the
 * statement timer on MySQL. A timeout is never negative: a wait without a deadline is a loop of
 * {@linkplain WaitPlan#LONGEST_STEP_SECONDS hour-long} waits. Each wait runs behind a {@link CancelGate}, so
 * an interrupt stops it on the server and its {@code KILL QUERY} cannot hit the session's next statement.
 */
final class NamedLock implements DialectLock {
    /** {@code ER_QUERY_TIMEOUT}: the statement timer ({@code MAX_EXECUTION_TIME}) ended the wait. */
    static final int QUERY_TIMEOUT = 3024;

    private final String name;
    private final WaitPlan plan;
    private final String identity;

    NamedLock(String name, WaitPlan plan, String identity) {
        this.name = name;
        this.plan = plan;
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
    public boolean lock(Connection connection, LockWait wait) throws SQLException {
        while (true) {
            WaitPlan.Step step = wait.isImmediate() ? WaitPlan.Step.TRY : plan.next(wait.remainingNanos());
            if (getLock(connection, wait, step)) {
                return true;
            }
            if (step.isTry() || wait.abandoned() || (!wait.isForever() && wait.remainingNanos() == 0)) {
                return false;
            }
        }
    }

    private boolean getLock(Connection connection, LockWait wait, WaitPlan.Step step) throws SQLException {
        // the statement timer is a hint, which takes no parameter: it is a number dlock computed, never input
        String sql = step.statementMillis() > 0
                ? "SELECT /*+ MAX_EXECUTION_TIME(" + step.statementMillis() + ") */ GET_LOCK(?, ?)"
                : "SELECT GET_LOCK(?, ?)";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, name);
            statement.setBigDecimal(2, step.seconds());
            Long answer;
            if (step.isTry()) {
                answer = answer(statement);
            } else {
                try {
                    answer = waitFor(statement, wait);
                } catch (SQLException e) {
                    return failedWait(connection, wait, step, e);
                }
            }
            if (answer == null) {
                if (wait.cancelled()) {
                    return false;
                }
                throw new SQLException("GET_LOCK returned NULL: the server ended the wait without saying why"
                        + " (killed by another session?)");
            }
            return answer == 1;
        }
    }

    private static Long waitFor(PreparedStatement statement, LockWait wait) throws SQLException {
        CancelGate gate = new CancelGate(statement);
        try (LockWait.Registration ignored = wait.cancellable(gate.guarded())) {
            try {
                return answer(statement);
            } finally {
                gate.close();
            }
        }
    }

    /**
     * A wait that failed. The statement timer's error is the timeout it was set for; a kill after dlock's cancel
     * (MySQL 8's error 1317) is the interrupt, which the API recognises; anything else (a deadlock, a bad name, a
     * broken connection) goes to the API as it is. A wait ended by the timer or a kill could, in a narrow race,
     * have been granted the lock just before: then the lock is reported held, so that the API keeps it or gives it
     * back, and never leaves it behind unknown.
     */
    private boolean failedWait(Connection connection, LockWait wait, WaitPlan.Step step, SQLException failure)
            throws SQLException {
        boolean timedOut = step.statementMillis() > 0 && failure.getErrorCode() == QUERY_TIMEOUT;
        if (!timedOut && !wait.cancelled()) {
            throw failure;
        }
        try {
            if (isHeld(connection)) {
                return true;
            }
        } catch (SQLException e) {
            failure.addSuppressed(e);
            throw failure;
        }
        if (timedOut) {
            return false;
        }
        throw failure;
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
