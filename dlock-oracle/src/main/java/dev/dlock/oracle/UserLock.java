package dev.dlock.oracle;

import dev.dlock.DistributedLockException;
import dev.dlock.LockAlreadyHeldException;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockRequest;
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
 * <p><b>Timing.</b> DBMS_LOCK waits whole seconds. A request asks for the remaining time rounded up to whole
 * seconds, so Oracle never gives up before the deadline, and the statement is cancelled at the deadline itself
 * ({@link LockRequest#cancellableUntilDeadline}): a 200 ms wait is {@code timeout => 1} cut at 200 ms. The
 * cancel ends the call with ORA-01013, which the API reports as a timeout, after asking whether the grant and
 * the cancel crossed ({@link #isHeld}). One request waits at most {@value #LONGEST_WAIT_SECONDS} seconds; the
 * API asks again while the caller's time lasts. ORA-01013 rolls back only the cancelled call, never the
 * caller's transaction, and a timeout (result 1) raises nothing at all.
 */
final class UserLock implements DialectLock {
    static final String REQUEST_SESSION = "BEGIN ? := SYS.DBMS_LOCK.REQUEST(id => ?, lockmode => ?, timeout => ?,"
            + " release_on_commit => FALSE); END;";
    static final String REQUEST_TRANSACTION = "BEGIN ? := SYS.DBMS_LOCK.REQUEST(id => ?, lockmode => ?, timeout => ?,"
            + " release_on_commit => TRUE); END;";
    static final String RELEASE = "BEGIN ? := SYS.DBMS_LOCK.RELEASE(id => ?); END;";
    /**
     * The longest one REQUEST waits: one second short of {@code DBMS_LOCK.MAXWAIT} (32767), which means
     * "forever" to Oracle. The API asks again while the caller's time lasts.
     */
    static final int LONGEST_WAIT_SECONDS = 32766;
    /** {@code NL_MODE}: the null mode, compatible with every mode. */
    static final int NL_MODE = 1;
    /** ORA-06550: PL/SQL compilation error, which wraps PLS-00201 when DBMS_LOCK is not visible to the user. */
    static final int PLSQL_COMPILATION_ERROR = 6550;


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
    public boolean request(Connection connection, LockRequest request) throws SQLException {
        int seconds = (int) request.timeout(TimeUnit.SECONDS, LONGEST_WAIT_SECONDS);
        int result;
        try (CallableStatement statement = connection.prepareCall(requestSql)) {
            statement.registerOutParameter(1, Types.INTEGER);
            statement.setLong(2, id);
            statement.setInt(3, mode);
            statement.setInt(4, seconds);
            request.cancellableUntilDeadline(statement, () -> run(statement));
            result = result(statement, "REQUEST");
        }
        switch (result) {
            case 0:
                return true;
            case 1:
                return false; // timed out
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
     * DBMS_LOCK has no "who holds it": a zero-timeout REQUEST in {@code NL_MODE}, which conflicts with no mode
     * (so it never keeps another session from anything), answers 4 ("already own") when this session holds the
     * lock, and otherwise 0, having just granted the null-mode lock, which is given straight back.
     */
    @Override
    public boolean isHeld(Connection connection) throws SQLException {
        int result;
        try (CallableStatement statement = connection.prepareCall(requestSql)) {
            statement.registerOutParameter(1, Types.INTEGER);
            statement.setLong(2, id);
            statement.setInt(3, NL_MODE);
            statement.setInt(4, 0);
            run(statement);
            result = result(statement, "REQUEST");
        }
        switch (result) {
            case 4:
                return true;
            case 0:
                unlock(connection);
                return false;
            default:
                throw new DistributedLockException(this + ": DBMS_LOCK.REQUEST in NL_MODE returned " + result
                        + " when asked whether this session holds the lock");
        }
    }

    /** Executes a DBMS_LOCK call, naming the missing grant when that is why it fails. Answers nothing. */
    private Void run(CallableStatement statement) throws SQLException {
        try {
            statement.execute();
            return null;
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
