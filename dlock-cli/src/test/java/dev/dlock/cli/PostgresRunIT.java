package dev.dlock.cli;

import static dev.dlock.cli.Eventually.awaitLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dlock.Locks;
import dev.dlock.tck.PostgresDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code dlock run} on the embedded PostgreSQL; the server's view is {@code pg_locks}. */
class PostgresRunIT extends RunContract {
    private static final String ADVISORY = " FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = ?"
            + " AND objid::bigint = ? AND objsubid = 1 AND granted = ?";

    @Override
    String url() {
        return PostgresDatabase.instance().url();
    }

    @Override
    boolean held(Connection observer, String key) throws SQLException {
        return count(observer, key, true) > 0;
    }

    @Override
    int waiters(Connection observer, String key) throws SQLException {
        return count(observer, key, false);
    }

    @Override
    void killHolder(Connection observer, String key) throws SQLException {
        try (PreparedStatement kill = prepare(observer, "SELECT pg_terminate_backend(pid)" + ADVISORY, key, true);
             ResultSet rs = kill.executeQuery()) {
            assertThat(rs.next()).as("a session holds " + key).isTrue();
            assertThat(rs.getBoolean(1)).isTrue();
        }
    }

    private static int count(Connection observer, String key, boolean granted) throws SQLException {
        try (PreparedStatement statement = prepare(observer, "SELECT COUNT(*)" + ADVISORY, key, granted);
             ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** A bigint advisory key shows in pg_locks as classid (its high half) and objid (its low half). */
    private static PreparedStatement prepare(Connection observer, String sql, String key, boolean granted)
            throws SQLException {
        long advisoryKey = (Long) Locks.forConnection(observer, key).databaseKey();
        PreparedStatement statement = observer.prepareStatement(sql);
        statement.setLong(1, advisoryKey >>> 32);
        statement.setLong(2, advisoryKey & 0xffffffffL);
        statement.setBoolean(3, granted);
        return statement;
    }

    @Test
    void sharedHoldersRunTogetherAndExcludeAnExclusiveOne() {
        DlockProcess reader = run("--shared", "--", "sh", "-c", "echo reading >> log; read go");
        awaitLine(file("log"), "reading");
        DlockProcess otherReader = run("--shared", "--no-wait", "--", "sh", "-c", "echo also-reading >> log");
        assertThat(otherReader.exitStatus()).as(otherReader.stderr()).isZero();
        DlockProcess writer = run("--no-wait", "--", "sh", "-c", "echo writing >> log");
        assertThat(writer.exitStatus()).as(writer.stderr()).isEqualTo(75);
        reader.tell("go");
        assertThat(reader.exitStatus()).isZero();
        awaitFree();
    }

    @Test
    void theUserComesFromTheEnvironment() {
        String url = url();
        assumeTrue(url.endsWith("?user=postgres"), "the embedded server, whose URL names its user only");
        String withoutUser = url.substring(0, url.length() - "?user=postgres".length());

        DlockProcess known = DlockProcess.start(directory, Map.of("DLOCK_USER", "postgres"),
                "run", "--url", withoutUser, "--key", key, "--", "true");
        assertThat(known.exitStatus()).as(known.stderr()).isZero();

        DlockProcess unknown = DlockProcess.start(directory, Map.of("DLOCK_USER", "no_such_role"),
                "run", "--url", withoutUser, "--key", key, "--", "true");
        assertThat(unknown.exitStatus()).isEqualTo(69);
        assertThat(unknown.stderr()).startsWith("dlock: cannot connect to " + withoutUser).contains("no_such_role");
    }

    @Test
    void theUrlComesFromTheEnvironmentAndThePasswordFromAFile() throws IOException {
        // the embedded server trusts local connections: this shows the file is read and the run goes on, not that
        // the server checked the password
        Path password = Files.writeString(file("password"), "not-checked\r\n");
        DlockProcess dlock = DlockProcess.start(directory, Map.of("DLOCK_URL", url()),
                "run", "--key", key, "--password-file", password.toString(), "--", "touch", "ran");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isZero();
        assertThat(file("ran")).exists();
    }

    @Test
    void aLeaseIsTakenOnPostgres() {
        DlockProcess dlock = run("--lease", "5s", "--", "true");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isZero();
    }
}
