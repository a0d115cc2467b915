package dev.dlock.oracle;

import dev.dlock.DistributedLockException;
import dev.dlock.LockAlreadyHeldException;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockWait;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Types;
import java.util.concurrent.TimeUnit;

/**
 * One Oracle user lock: a lock id, a DBMS_LOCK mode and a scope.
 *
 * <p>Each call is an anonymous PL/SQL block with the id, mode and timeout bound and the function result as out
 * parameter 1. {@code release_on_commit} is a PL/SQL BOOLEAN, which JDBC cannot bind before Oracle 23ai, so it is
 * the literal {@code TRUE} or {@code FALSE} in the SQL text, chosen by scope; no key or other input ever goes into
 * the text. The package is named {@code SYS.DBMS_LOCK} so that no object of the user's own schema can stand in
 * for it.
 *
 * <p><b>Timing.</b> DBMS_LOCK waits whole seconds ({@code MAXWAIT} = 32767 means forever). A timed wait asks for
 * the remaining time rounded up to whole seconds, so Oracle never gives up before the deadline, and a timer
 * ({@link DeadlineCancel}) cancels the call at the deadline itself: a 200 ms wait is {@code timeout => 1} cut at
 * 200 ms. The cancel ends the call with ORA-01013, which this class reports as a timeout, not an interrupt. In
 * case the grant and the cancel crossed, a {@code RELEASE} follows (its "not held" answer is expected), so no lock
 * is left behind. Waits over 32766 seconds are made of several requests; {@code acquire()} uses {@code MAXWAIT}.
 * ORA-01013 rolls back only the cancelled call, never the caller's transaction, and a timeout (result 1) raises
 * nothing at all.
 */
final class UserLock implements DialectLock {
    static final String REQUEST_SESSION = "BEGIN ? := SYS.DBMS_LOCK.REQUEST(id => ?, lockmode => ?, timeout => ?,"
            + " release_on_commit => FALSE); END;";
    static final String REQUEST_TRANSACTION = "BEGIN ? := SYS.DBMS_LOCK.REQUEST(id => ?, lockmode => ?, timeout => ?,"
            + " release_on_commit => TRUE); END;";
    static final String RELEASE = "BEGIN ? := SYS.DBMS_LOCK.RELEASE(id => ?); END;";
    /** DBMS_LOCK.MAXWAIT: wait forever. */
    static final int MAXWAIT = 32767;
    /** ORA-01013: user requested cancel of current operation. */
    static final int USER_REQUESTED_CANCEL = 1013;
    /** ORA-06550: PL/SQL compilation error, which wraps PLS-00201 when DBMS_LOCK is not visible to the user. */
    static final int PLSQL_COMPILATION_ERROR = 6550;

    /** Not a DBMS_LOCK result: the request was cut off at the deadline by {@link DeadlineCancel}. */
    private static final int DEADLINE_PASSED = -1;
    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    private final long id;
    private final int mode;
    private final boolean releaseOnCommit;
    private final String requestSql;

    UserLock(long id, int mode, boolean releaseOnCommit) {
        this.id = id;
        this.mode = mode;
        this.releaseOnCommit = releaseOnCommit;
        this.requestSql = releaseOnCommit ? REQUEST_TRANSACTION : REQUEST_SESSION;
    }

    @Override
    public Object databaseKey() {
        return id;
    }

    @Override
    public boolean lock(Connection connection, LockWait wait) throws SQLException {
        while (true) {
            long remaining = wait.remainingNanos();
            int seconds;
            boolean cutAtDeadline = false;
            if (wait.isImmediate() || remaining == 0) {
                seconds = 0;
            } else if (wait.isForever()) {
                seconds = MAXWAIT;
            } else {
                long wholeSeconds = remaining / NANOS_PER_SECOND + (remaining % NANOS_PER_SECOND == 0 ? 0 : 1);
                seconds = (int) Math.min(wholeSeconds, MAXWAIT - 1);
                cutAtDeadline = remaining <= seconds * NANOS_PER_SECOND;
            }
            int result = request(connection, wait, seconds, cutAtDeadline);
            switch (result) {
                case 0:
                    return true;
                case DEADLINE_PASSED:
                    unlock(connection); // in case the grant crossed the cancel; "not held" (false) is the usual answer
                    return false;
                case 1:
                    if (seconds == MAXWAIT) {
                        // acquire() has no "not acquired" answer: a quiet false would look like a held lock
                        throw new DistributedLockException(this + ": DBMS_LOCK.REQUEST timed out (1) although asked"
                                + " to wait forever (MAXWAIT)");
                    }
                    if (seconds != 0 && !cutAtDeadline && wait.remainingNanos() > 0 && !wait.abandoned()) {
                        continue; // the wait was longer than one request may be
                    }
                    return false;
                case 2:
                    throw new DistributedLockException(this + ": DBMS_LOCK.REQUEST returned 2: deadlock");
                case 3:
                    throw new DistributedLockException(this + ": DBMS_LOCK.REQUEST returned 3: parameter error (mode "
                            + mode + ", timeout " + seconds + " s)");
                case 4:
                    // dlock never asks twice on one connection, so the session got it some other way (DBMS_LOCK
                    // called outside dlock, another class loader's dlock); its one RELEASE would free theirs too
                    throw new LockAlreadyHeldException(this + ": DBMS_LOCK.REQUEST returned 4: this session already"
                            + " holds the lock outside this lock object");
                case 5:
                    throw new DistributedLockException(this + ": DBMS_LOCK.REQUEST returned 5: illegal lock handle");
                default:
                    throw new DistributedLockException(this + ": DBMS_LOCK.REQUEST returned " + result
                            + " (undocumented)");
            }
        }
    }

    private int request(Connection connection, LockWait wait, int seconds, boolean cutAtDeadline) throws SQLException {
        try (CallableStatement statement = connection.prepareCall(requestSql)) {
            statement.registerOutParameter(1, Types.INTEGER);
            statement.setLong(2, id);
            statement.setInt(3, mode);
            statement.setInt(4, seconds);
            if (seconds == 0) {
                run(statement);
            } else {
                DeadlineCancel deadline = null;
                try (LockWait.Registration ignored = wait.cancellable(statement);
                     DeadlineCancel armed = cutAtDeadline ? DeadlineCancel.after(statement, wait.remainingNanos()) : null) {
                    deadline = armed;
                    run(statement);
                } catch (SQLException e) {
                    if (deadline != null && deadline.fired() && e.getErrorCode() == USER_REQUESTED_CANCEL
                            && !wait.abandoned()) {
                        return DEADLINE_PASSED;
                    }
                    throw e;
                }
            }
            return result(statement, "REQUEST");
        }
    }

    @Override
    public boolean unlock(Connection connection) throws SQLException {
        int result;
        try (CallableStatement statement = connection.prepareCall(RELEASE)) {
            statement.registerOutParameter(1, Types.INTEGER);
            statement.setLong(2, id);
            run(statement);
            result = result(statement, "RELEASE");
        }
        switch (result) {
            case 0:
                return true;
            case 4:
                return false; // "don't own lock": it went away behind dlock's back
            case 3:
                throw new DistributedLockException(this + ": DBMS_LOCK.RELEASE returned 3: parameter error");
            case 5:
                throw new DistributedLockException(this + ": DBMS_LOCK.RELEASE returned 5: illegal lock handle");
            default:
                throw new DistributedLockException(this + ": DBMS_LOCK.RELEASE returned " + result + " (undocumented)");
        }
    }

    /**
     * DBMS_LOCK has no "who holds it": a zero-timeout REQUEST answers 4 ("already own") when this session holds
     * the lock, 1 when another does, and 0 when nobody did, in which case it has just been taken and is given
     * straight back.
     */
    @Override
    public boolean isHeld(Connection connection) throws SQLException {
        int result;
        try (CallableStatement statement = connection.prepareCall(requestSql)) {
            statement.registerOutParameter(1, Types.INTEGER);
            statement.setLong(2, id);
            statement.setInt(3, mode);
            statement.setInt(4, 0);
            run(statement);
            result = result(statement, "REQUEST");
        }
        if (result == 0) {
            unlock(connection);
        }
        return result == 4;
    }

    private void run(CallableStatement statement) throws SQLException {
        try {
            statement.execute();
        } catch (SQLException e) {
            String message = String.valueOf(e.getMessage());
            if (e.getErrorCode() == PLSQL_COMPILATION_ERROR && message.contains("DBMS_LOCK")
                    && (message.contains("PLS-00201") || message.contains("PLS-00904"))) {
                throw new DistributedLockException(this + ": the database user may not run SYS.DBMS_LOCK; a DBA must"
                        + " GRANT EXECUTE ON SYS.DBMS_LOCK TO the user (" + message.strip() + ")", e);
            }
            throw e;
        }
    }

    private int result(CallableStatement statement, String function) throws SQLException {
        int result = statement.getInt(1);
        if (statement.wasNull()) {
            throw new DistributedLockException(this + ": DBMS_LOCK." + function + " returned NULL");
        }
        return result;
    }

    @Override
    public String toString() {
        return "Oracle user lock " + id + " (lockmode " + mode + ", release_on_commit " + releaseOnCommit + ")";
    }
}
