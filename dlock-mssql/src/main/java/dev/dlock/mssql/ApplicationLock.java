package dev.dlock.mssql;

import dev.dlock.DistributedLockException;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockRequest;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Types;
import java.util.concurrent.TimeUnit;

/**
 * One SQL Server application lock: a resource name, a mode and an owner ({@code Session} or {@code Transaction}).
 *
 * <p>Both procedures are called through the JDBC escape {@code {? = call ...}} with every argument bound, so the
 * procedure's return code comes back as out parameter 1, typed, in one round trip, with no batch around it.
 * The arguments are positional, in the documented order ({@code @Resource, @LockMode, @LockOwner, @LockTimeout}).
 *
 * <p>Waits are SQL Server's own: {@code @LockTimeout} in milliseconds, the remaining time rounded up, so the wait
 * ends at the deadline, whatever the session's {@code LOCK_TIMEOUT}; {@code 0} for one attempt. One request
 * waits at most an {@code int} of milliseconds (24.8 days); the API asks again while the caller's time lasts, so
 * {@code acquire()} is a series of such requests. A timeout ({@code -1} returned) raises no error, so it leaves the caller's
 * transaction as it was, and SQL Server documents that a deadlock on an application lock does not roll back the
 * transaction either.
 *
 * <p>An interrupt cancels the wait through {@link LockRequest#cancellable}: the driver sends an attention, and SQL
 * Server stops the call. With {@code SET XACT_ABORT ON} that attention also rolls back the caller's open
 * transaction (SQL Server's rule, which dlock cannot override); with the default {@code OFF} the transaction stays
 * open and intact.
 */
final class ApplicationLock implements DialectLock {
    static final String GET_APPLOCK = "{? = call sp_getapplock(?, ?, ?, ?)}";
    static final String RELEASE_APPLOCK = "{? = call sp_releaseapplock(?, ?)}";
    static final String APPLOCK_MODE = "SELECT APPLOCK_MODE('public', ?, ?)";
    /**
     * The error sp_releaseapplock raises (besides returning -999) for a lock the owner does not hold: "Cannot
     * release the application lock ... because it is not currently held" (severity 16, so drivers throw it).
     */
    static final int NOT_HELD_ERROR = 1223;

    private final String resource;
    private final String mode;
    private final String owner;

    ApplicationLock(String resource, String mode, boolean transactionOwned) {
        this.resource = resource;
        this.mode = mode;
        this.owner = transactionOwned ? "Transaction" : "Session";
    }

    @Override
    public Object databaseKey() {
        return resource;
    }

    @Override
    public boolean request(Connection connection, LockRequest request) throws SQLException {
        int code;
        try (CallableStatement statement = connection.prepareCall(GET_APPLOCK)) {
            statement.registerOutParameter(1, Types.INTEGER);
            statement.setString(2, resource);
            statement.setString(3, mode);
            statement.setString(4, owner);
            statement.setInt(5, (int) request.timeout(TimeUnit.MILLISECONDS, Integer.MAX_VALUE));
            request.cancellable(statement, statement::execute);
            code = statement.getInt(1);
            if (statement.wasNull()) {
                throw new DistributedLockException(this + ": sp_getapplock returned no return code");
            }
            if (code == -999) {
                // the reason is an informational message (15626 "without an active transaction", 15625 "option
                // not recognized"), which drivers hand over as a warning, not an error
                throw new DistributedLockException(this + ": sp_getapplock returned -999 (parameter validation or"
                        + " other call error)" + messages(statement.getWarnings()));
            }
        }
        switch (code) {
            case 0: // granted at once
            case 1: // granted after waiting
                return true;
            case -1: // timed out
                return false;
            case -2:
                // after dlock's own cancel the API reports the interrupt or the deadline; otherwise it is an error
                throw new SQLException("sp_getapplock returned -2: the lock request was cancelled");
            case -3:
                throw new DistributedLockException(this + ": sp_getapplock returned -3: the lock request was"
                        + " chosen as a deadlock victim (the transaction was not rolled back)");
            default:
                throw new DistributedLockException(this + ": sp_getapplock returned " + code + " (undocumented)");
        }
    }

    private static String messages(SQLWarning warning) {
        StringBuilder text = new StringBuilder();
        for (SQLWarning w = warning; w != null; w = w.getNextWarning()) {
            text.append(text.length() == 0 ? ": " : "; ").append(w.getMessage());
        }
        return text.toString();
    }

    @Override
    public boolean unlock(Connection connection) throws SQLException {
        int code;
        try (CallableStatement statement = connection.prepareCall(RELEASE_APPLOCK)) {
            statement.registerOutParameter(1, Types.INTEGER);
            statement.setString(2, resource);
            statement.setString(3, owner);
            statement.execute();
            code = statement.getInt(1);
            if (statement.wasNull()) {
                throw new DistributedLockException(this + ": sp_releaseapplock returned no return code");
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == NOT_HELD_ERROR) {
                return false; // the driver threw the "not currently held" message that comes with -999
            }
            throw e;
        }
        if (code == 0) {
            return true;
        }
        if (code == -999) {
            return false; // dlock only releases what it took: the owner no longer holds it
        }
        throw new DistributedLockException(this + ": sp_releaseapplock returned " + code + " (undocumented)");
    }

    /** {@code APPLOCK_MODE} answers the mode this owner holds the resource in, or {@code NoLock}. */
    @Override
    public boolean isHeld(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(APPLOCK_MODE)) {
            statement.setString(1, resource);
            statement.setString(2, owner);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() && !"NoLock".equals(rs.getString(1));
            }
        }
    }

    @Override
    public String toString() {
        return "SQL Server application lock \"" + resource + "\" (@LockMode = '" + mode + "', @LockOwner = '" + owner
                + "')";
    }
}
