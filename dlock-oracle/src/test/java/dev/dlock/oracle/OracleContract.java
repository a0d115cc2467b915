package dev.dlock.oracle;

import dev.dlock.DistributedLock;
import dev.dlock.LockKey;
import dev.dlock.LockMode;
import dev.dlock.LockScope;
import dev.dlock.tck.LockContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The dlock contract on Oracle, whichever server runs it. The server's view is {@code V$LOCK}: a user lock is
 * type {@code UL} with the lock id in {@code ID1}; {@code LMODE > 0} for holders, {@code REQUEST > 0} for waiters.
 */
abstract class OracleContract extends LockContract {
    @Override
    protected boolean isLockedOnServer(Connection observer, DistributedLock lock) throws SQLException {
        return sessions(observer, lock, "LMODE") > 0;
    }

    @Override
    protected int waitersOnServer(Connection observer, DistributedLock lock) throws SQLException {
        return sessions(observer, lock, "REQUEST");
    }

    private static int sessions(Connection observer, DistributedLock lock, String column) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement(
                "SELECT COUNT(*) FROM V$LOCK WHERE TYPE = 'UL' AND ID1 = ? AND " + column + " > 0")) {
            statement.setLong(1, (Long) lock.databaseKey());
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    protected Set<LockMode> supportedModes() {
        return EnumSet.complementOf(EnumSet.of(LockMode.UPDATE));
    }

    @Override
    protected Set<LockScope> supportedScopes() {
        return EnumSet.allOf(LockScope.class);
    }

    /** Oracle hashes names, so its limit is the lock id range: one past it. */
    @Override
    protected Optional<LockKey> keyTooLong() {
        return Optional.of(LockKey.of(OracleLockProvider.MAX_LOCK_ID + 1));
    }

    @Override
    protected boolean transactionLocksReleasable() {
        return true;
    }

    /** No IF NOT EXISTS before 23ai, and DLOCK_TEST_ORACLE_URL may name an older server: ignore ORA-00955. */
    @Override
    protected String selectOne() {
        return "SELECT 1 FROM DUAL";
    }

    @Override
    protected String createProbeTable() {
        return "BEGIN EXECUTE IMMEDIATE 'CREATE TABLE dlock_probe (id INT)'; EXCEPTION WHEN OTHERS THEN"
                + " IF SQLCODE != -955 THEN RAISE; END IF; END;";
    }
}
