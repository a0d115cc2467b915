package dev.dlock.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DistributedLock;
import dev.dlock.LockKey;
import dev.dlock.Locks;
import dev.dlock.tck.StatementCountingConnection;
import dev.dlock.tck.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a name really locks on MariaDB, asked from another session with {@code IS_USED_LOCK} and
 * {@code IS_FREE_LOCK}: lengths at and past the limits, case, near neighbours, quotes and comment markers, NUL.
 * Run through each driver.
 */
abstract class NamedLockNamesContract {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final String LOCK_EMOJI = "\uD83D\uDD12";

    private final List<Connection> connections = new ArrayList<>();
    private Connection observer;

    abstract TestDatabase database();

    @BeforeEach
    void openObserver() throws SQLException {
        observer = connect();
    }

    @AfterEach
    void closeConnections() throws SQLException {
        for (Connection connection : connections) {
            connection.close();
        }
    }

    private Connection connect() throws SQLException {
        Connection connection = database().connect();
        connections.add(connection);
        return connection;
    }

    /** @return a prefix no other test uses, {@code length} characters long */
    private static String unique(int length) {
        String prefix = "n" + NAMES.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xfffffL) + "-";
        return (prefix + "x".repeat(Math.max(0, length - prefix.length()))).substring(0, length);
    }

    private boolean used(String name) throws SQLException {
        return NamedLockServerView.isUsed(observer, name);
    }

    private boolean free(String name) throws SQLException {
        return NamedLockServerView.isFree(observer, name);
    }

    @Test
    void nameOf64CodePointsWithAnEmojiLocksItself() throws Exception {
        String name = unique(63) + LOCK_EMOJI;
        assertThat(name.length()).as("65 UTF-16 chars, 64 code points").isEqualTo(65);
        DistributedLock lock = Locks.forConnection(connect(), name);
        lock.acquire();
        assertThat(used(name)).isTrue();
        assertThat(free(name.substring(0, 63))).as("not cut to 63").isTrue();
        lock.release();
        assertThat(free(name)).isTrue();
    }

    @Test
    void nameOf65CodePointsIsRefusedBeforeAnySql() throws Exception {
        StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
        for (String name : new String[] {unique(65), unique(64) + LOCK_EMOJI}) {
            assertThatThrownBy(() -> Locks.forConnection(counting.connection(), name))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64");
            assertThat(free(name.substring(0, 64))).isTrue();
        }
        assertThat(counting.statements()).isZero();
    }

    @Test
    void mariaDbTakes48EmojiButNot49BecauseItCountsBytes() throws Exception {
        StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
        String fits = LOCK_EMOJI.repeat(48);
        DistributedLock lock = Locks.forConnection(counting.connection(), fits);
        assertThat(lock.tryAcquire()).isTrue();
        assertThat(used(fits)).isTrue();
        lock.release();
        int sent = counting.statements();
        assertThatThrownBy(() -> Locks.forConnection(counting.connection(), LOCK_EMOJI.repeat(49)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("192 bytes");
        assertThat(counting.statements()).isEqualTo(sent);
        // the server's own answer to such a name: error 1059, which dlock's check spares the caller
        try (PreparedStatement statement = observer.prepareStatement("SELECT GET_LOCK(?, 0)")) {
            statement.setString(1, LOCK_EMOJI.repeat(49));
            assertThatThrownBy(statement::executeQuery).isInstanceOfSatisfying(SQLException.class,
                    e -> assertThat(e.getErrorCode()).isEqualTo(1059));
        }
    }

    @Test
    void namesDifferingOnlyInCaseAreDifferentLocksOnMariaDb() throws Exception {
        String name = unique(20) + "Job";
        DistributedLock upper = Locks.forConnection(connect(), name);
        DistributedLock lower = Locks.forConnection(connect(), name.toLowerCase(java.util.Locale.ROOT));
        upper.acquire();
        assertThat(lower.tryAcquire()).isTrue();
        assertThat(free(name.toUpperCase(java.util.Locale.ROOT))).isTrue();
        upper.release();
        lower.release();
    }

    @Test
    void namesDifferingOnlyInTheirLastCharacterAreDifferentLocks() throws Exception {
        String stem = unique(63);
        DistributedLock a = Locks.forConnection(connect(), stem + "a");
        DistributedLock b = Locks.forConnection(connect(), stem + "b");
        a.acquire();
        assertThat(b.tryAcquire()).isTrue();
        assertThat(used(stem + "a")).isTrue();
        assertThat(used(stem + "b")).isTrue();
        assertThat(free(stem + "c")).isTrue();
        assertThat(free(stem)).isTrue();
        a.release();
        b.release();
    }

    @Test
    void quotesAndCommentMarkersLockExactlyTheirName() throws Exception {
        try (Statement ddl = observer.createStatement()) {
            ddl.execute("CREATE TABLE IF NOT EXISTS dlock_probe (id INT)");
        }
        String[] hostile = {
            "'; DROP TABLE dlock_probe; --", "\" OR 1=1 --", "x'); SELECT SLEEP(5); --", "/* comment */ key",
            "key -- comment", "key # comment", "back\\slash\\", "semi;colon", "quote''s", "`backtick`",
            "percent%_underscore", "rtl\u202emark", "emoji " + LOCK_EMOJI, "tab\tnewline\n",
        };
        Connection holding = connect();
        Connection other = connect();
        for (String name : hostile) {
            DistributedLock lock = Locks.forConnection(holding, name);
            assertThat(lock.databaseKey()).isEqualTo(name);
            lock.acquire();
            assertThat(used(name)).as(name).isTrue();
            assertThat(Locks.forConnection(other, name).tryAcquire()).as(name).isFalse();
            // neither a neighbour nor the text before a quote or comment marker is locked
            assertThat(free(name + "x")).as(name + "x").isTrue();
            for (String marker : new String[] {"'", "\"", "--", "#", "/*", "\\", ";", "`"}) {
                int at = name.indexOf(marker);
                if (at > 0) {
                    assertThat(free(name.substring(0, at))).as("before %s in %s", marker, name).isTrue();
                }
            }
            lock.release();
            assertThat(free(name)).as(name).isTrue();
        }
        try (Statement statement = observer.createStatement();
             ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM dlock_probe")) {
            assertThat(rs.next()).as("the probe table is still there").isTrue();
        }
    }

    @Test
    void nulIsRefusedBecauseTheServerCutsTheNameThere() throws Exception {
        String stem = unique(10);
        // what the server does with it, through plain SQL: "stem\0a" and "stem\0b" are both the lock "stem"
        Connection raw = connect();
        try (PreparedStatement statement = raw.prepareStatement("SELECT GET_LOCK(?, 0)")) {
            statement.setString(1, stem + "\0a");
            statement.executeQuery().close();
        }
        assertThat(used(stem)).isTrue();
        assertThat(free(stem + "\0b")).isFalse();
        StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
        assertThatThrownBy(() -> Locks.forConnection(counting.connection(), stem + "\0b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL")
                .hasMessageContaining('"' + stem + '"');
        assertThatThrownBy(() -> Locks.forConnection(counting.connection(), LockKey.of((stem + "\0").getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(counting.statements()).isZero();
    }

    @Test
    void longKeysLockTheirDecimalString() throws Exception {
        long number = -9_000_000_000_000_000_000L + NAMES.incrementAndGet();
        DistributedLock lock = Locks.forConnection(connect(), LockKey.of(number));
        assertThat(lock.databaseKey()).isEqualTo(Long.toString(number));
        lock.acquire();
        assertThat(used(Long.toString(number))).isTrue();
        assertThat(Locks.forConnection(connect(), Long.toString(number)).tryAcquire())
                .as("the string of the same digits is the same lock").isFalse();
        lock.release();
    }

    @Test
    void byteKeysLockTheirUtf8TextAndMalformedBytesAreRefused() throws Exception {
        String name = unique(20) + "-\u00e9t\u00e9";
        DistributedLock lock = Locks.forConnection(connect(), LockKey.of(name.getBytes(StandardCharsets.UTF_8)));
        assertThat(lock.databaseKey()).isEqualTo(name);
        lock.acquire();
        assertThat(used(name)).isTrue();
        lock.release();
        StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
        assertThatThrownBy(() -> Locks.forConnection(counting.connection(), LockKey.of(new byte[] {'a', (byte) 0xff})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UTF-8");
        assertThat(counting.statements()).isZero();
    }
}
