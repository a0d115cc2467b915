package dev.dlock.oracle;

import dev.dlock.LockMode;
import dev.dlock.LockScope;
import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.ExpectedKeys;
import dev.dlock.tck.RestartableServer;
import dev.dlock.tck.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;

/**
 * Oracle for the test kit, whichever server runs it ({@link OracleDatabase}). The server's view is {@code V$LOCK}:
 * a user lock is type {@code UL} with the lock id in {@code ID1}, {@code LMODE > 0} for holders and
 * {@code REQUEST > 0} for waiters; a session is its {@code SID}, ended with {@code ALTER SYSTEM KILL SESSION}. The
 * lock id of a string is sqlalchemy-dlock's (BLAKE2b-64, unsigned, modulo 2^30, from {@link ExpectedKeys}); numbers
 * are ids themselves, 0 to 2^30 − 1. Not run here (no Docker engine, no server): it runs the day
 * {@code DLOCK_TEST_ORACLE_URL} or Docker is present.
 */
final class OracleDialect implements DialectUnderTest {
    static final OracleDialect INSTANCE = new OracleDialect();
    private static final long LOCK_IDS = 1L << 30;

    private OracleDialect() {
    }

    @Override
    public String name() {
        return "Oracle: " + OracleDatabase.SERVER.name();
    }

    @Override
    public Optional<String> unavailable() {
        return OracleDatabase.SERVER.unavailable();
    }

    @Override
    public TestDatabase database() {
        return OracleDatabase.SERVER.database();
    }

    @Override
    public Set<LockMode> supportedModes() {
        return EnumSet.complementOf(EnumSet.of(LockMode.UPDATE));
    }

    @Override
    public Set<LockScope> supportedScopes() {
        return EnumSet.allOf(LockScope.class);
    }

    @Override
    public boolean isLockedOnServer(Connection observer, Object databaseKey) throws SQLException {
        return userLocks(observer, "ID1 = ? AND LMODE > 0", (Long) databaseKey) > 0;
    }

    @Override
    public int waitersOnServer(Connection observer, Object databaseKey) throws SQLException {
        return userLocks(observer, "ID1 = ? AND REQUEST > 0", (Long) databaseKey);
    }

    @Override
    public long sessionId(Connection session) throws SQLException {
        try (Statement statement = session.createStatement();
             ResultSet rs = statement.executeQuery("SELECT SYS_CONTEXT('USERENV', 'SID') FROM DUAL")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public boolean isHeldBy(Connection observer, Object databaseKey, long sessionId) throws SQLException {
        return userLocks(observer, "ID1 = ? AND LMODE > 0 AND SID = ?", (Long) databaseKey, sessionId) == 1;
    }

    @Override
    public OptionalInt locksHeldBy(Connection observer, long sessionId) throws SQLException {
        return OptionalInt.of(userLocks(observer, "SID = ? AND LMODE > 0", sessionId));
    }

    private static int userLocks(Connection observer, String condition, long... values) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement(
                "SELECT COUNT(*) FROM V$LOCK WHERE TYPE = 'UL' AND " + condition)) {
            for (int i = 0; i < values.length; i++) {
                statement.setLong(i + 1, values[i]);
            }
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** A session is killed by SID and serial number; the serial number is read from V$SESSION first. */
    @Override
    public void killSession(Connection observer, long sessionId) throws SQLException {
        long serial;
        try (PreparedStatement statement = observer.prepareStatement("SELECT SERIAL# FROM V$SESSION WHERE SID = ?")) {
            statement.setLong(1, sessionId);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("no session " + sessionId + " in V$SESSION");
                }
                serial = rs.getLong(1);
            }
        }
        try (Statement kill = observer.createStatement()) {
            // numbers the server gave, not input
            kill.execute("ALTER SYSTEM KILL SESSION '" + sessionId + "," + serial + "' IMMEDIATE");
        }
    }

    /** DBMS_LOCK.RELEASE takes one id: Oracle has no call that releases all of a session's user locks. */
    @Override
    public Optional<String> releaseAllLocksQuery() {
        return Optional.empty();
    }

    @Override
    public Optional<Object> expectedDatabaseKey(String key) {
        return Optional.of(Long.remainderUnsigned(ExpectedKeys.blake2b64(key), LOCK_IDS));
    }

    @Override
    public Optional<Object> expectedDatabaseKey(long key) {
        return key < 0 || key >= LOCK_IDS ? Optional.empty() : Optional.of(key);
    }

    /** Strings are hashed, so there is no length limit: long runs of 4-byte characters hash like any other key. */
    @Override
    public List<String> keysAtTheLengthLimit() {
        return List.of("\uD83D\uDD12".repeat(64), "\uD83D\uDD12".repeat(4096));
    }

    @Override
    public List<String> keysPastTheLengthLimit() {
        return List.of();
    }

    /** A failed statement leaves an Oracle transaction usable: there is no failed-transaction state. */
    @Override
    public Optional<String> breakTransaction(Connection connection) {
        return Optional.empty();
    }

    @Override
    public RestartableServer startRestartableServer(Path directory) {
        return Assumptions.abort("an Oracle at a URL or in a container cannot be stopped and started by the test");
    }

    @Override
    public boolean transactionLocksReleasable() {
        return true;
    }

    @Override
    public String selectOne() {
        return "SELECT 1 FROM DUAL";
    }

    /** No IF NOT EXISTS before 23ai, and DLOCK_TEST_ORACLE_URL may name an older server: ignore ORA-00955. */
    @Override
    public String createTableIfMissing(String table, String columns) {
        return "BEGIN EXECUTE IMMEDIATE 'CREATE TABLE " + table + " (" + columns + ")'; EXCEPTION WHEN OTHERS THEN"
                + " IF SQLCODE != -955 THEN RAISE; END IF; END;";
    }
}
