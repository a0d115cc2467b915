package dev.dlock.postgresql;

import dev.dlock.LockMode;
import dev.dlock.LockScope;
import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.ExpectedKeys;
import dev.dlock.tck.PostgresDatabase;
import dev.dlock.tck.RestartablePostgres;
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

/**
 * PostgreSQL for the reliability suites: {@code pg_locks} as the server's view, {@code pg_terminate_backend} to
 * end a session, BLAKE2b-64 ({@link ExpectedKeys}, Bouncy Castle's, not dlock's) for the expected advisory key, and a zonky server of
 * the test's own to stop and start.
 */
final class PostgresDialect implements DialectUnderTest {
    static final PostgresDialect INSTANCE = new PostgresDialect();

    private PostgresDialect() {
    }

    @Override
    public String name() {
        return "PostgreSQL";
    }

    @Override
    public TestDatabase database() {
        return PostgresDatabase.instance();
    }

    @Override
    public Set<LockMode> supportedModes() {
        return EnumSet.of(LockMode.EXCLUSIVE, LockMode.SHARED);
    }

    @Override
    public Set<LockScope> supportedScopes() {
        return EnumSet.allOf(LockScope.class);
    }

    @Override
    public boolean isLockedOnServer(Connection observer, Object databaseKey) throws SQLException {
        return PostgresServerView.sessions(observer, (Long) databaseKey, true) > 0;
    }

    @Override
    public int waitersOnServer(Connection observer, Object databaseKey) throws SQLException {
        return PostgresServerView.sessions(observer, (Long) databaseKey, false);
    }

    @Override
    public long sessionId(Connection session) throws SQLException {
        return backendPid(session);
    }

    @Override
    public boolean isHeldBy(Connection observer, Object databaseKey, long sessionId) throws SQLException {
        long key = (Long) databaseKey;
        try (PreparedStatement statement = observer.prepareStatement("SELECT COUNT(*) FROM pg_locks"
                + " WHERE locktype = 'advisory' AND granted AND pid = ? AND classid::bigint = ? AND objid::bigint = ?"
                + " AND objsubid = 1")) {
            statement.setLong(1, sessionId);
            statement.setLong(2, key >>> 32);
            statement.setLong(3, key & 0xffffffffL);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 1;
            }
        }
    }

    @Override
    public OptionalInt locksHeldBy(Connection observer, long sessionId) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = ?")) {
            statement.setLong(1, sessionId);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return OptionalInt.of(rs.getInt(1));
            }
        }
    }

    @Override
    public void killSession(Connection observer, long sessionId) throws SQLException {
        try (PreparedStatement kill = observer.prepareStatement("SELECT pg_terminate_backend(?)")) {
            kill.setInt(1, Math.toIntExact(sessionId));
            kill.execute();
        }
    }

    static int backendPid(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Override
    public Optional<String> releaseAllLocksQuery() {
        return Optional.of("SELECT pg_advisory_unlock_all()");
    }

    /** As sqlalchemy-dlock derives it (README, "Keys"): UTF-8 bytes, BLAKE2b with an 8-byte digest, read as a little-endian signed long. */
    @Override
    public Optional<Object> expectedDatabaseKey(String key) {
        return Optional.of(ExpectedKeys.blake2b64(key));
    }

    @Override
    public Optional<Object> expectedDatabaseKey(long key) {
        return Optional.of(key);
    }

    /** Keys are hashed, so there is no limit: long runs of 4-byte characters must hash like any other key. */
    @Override
    public List<String> keysAtTheLengthLimit() {
        return List.of("\uD83D\uDD12".repeat(64), "\uD83D\uDD12".repeat(4096), "a".repeat(63) + "\uD83D\uDD12");
    }

    @Override
    public List<String> keysPastTheLengthLimit() {
        return List.of();
    }

    @Override
    public Optional<String> breakTransaction(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT 1/0");
            throw new IllegalStateException("1/0 did not fail");
        } catch (SQLException expected) {
            if (!"22012".equals(expected.getSQLState())) {
                throw expected;
            }
        }
        return Optional.of("25P02");
    }

    @Override
    public RestartableServer startRestartableServer(Path directory) throws Exception {
        return RestartablePostgres.start(directory);
    }
}
