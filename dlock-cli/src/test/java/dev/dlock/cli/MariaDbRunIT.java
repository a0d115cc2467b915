package dev.dlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dlock.tck.MariaDbDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * {@code dlock run} on the embedded MariaDB through the MariaDB driver; the server's view is {@code IS_USED_LOCK}
 * and the process list.
 */
class MariaDbRunIT extends RunContract {
    @Override
    String url() {
        return MariaDbDatabase.instance().throughMariaDbDriver().jdbcUrl().orElseThrow();
    }

    @Override
    boolean held(Connection observer, String key) throws SQLException {
        return holder(observer, key) != 0;
    }

    /**
     * Sessions blocked in {@code GET_LOCK} show the state "User lock" and the statement's text, with the name as a
     * literal: the driver prepares statements on the client by default.
     */
    @Override
    int waiters(Connection observer, String key) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement("SELECT COUNT(*) FROM"
                + " information_schema.PROCESSLIST WHERE STATE LIKE '%user lock%' AND INFO LIKE ?")) {
            statement.setString(1, "%GET\\_LOCK('" + key + "'%");
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    void killHolder(Connection observer, String key) throws SQLException {
        long holder = holder(observer, key);
        assertThat(holder).as("a session holds " + key).isNotZero();
        try (Statement statement = observer.createStatement()) {
            statement.execute("KILL " + holder); // a number the server gave
        }
    }

    private static long holder(Connection observer, String key) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement("SELECT IS_USED_LOCK(?)")) {
            statement.setString(1, key);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1); // 0 for NULL: no holder
            }
        }
    }

    @Test
    void sharedIsAUsageErrorOnMariaDb() {
        DlockProcess dlock = run("--shared", "--", "touch", "ran");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo(2);
        assertThat(dlock.stderr()).startsWith("dlock: ").contains("SHARED");
        assertThat(file("ran")).doesNotExist();
    }

    @Test
    void aKeyTooLongForMariaDbIsAUsageError() {
        key = "k".repeat(65);
        DlockProcess dlock = run("--", "touch", "ran");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo(2);
        assertThat(dlock.stderr()).startsWith("dlock: ").contains("64");
        assertThat(file("ran")).doesNotExist();
    }

    @Test
    void aLeaseIsAUsageErrorOnMariaDb() {
        DlockProcess dlock = run("--lease", "5s", "--", "touch", "ran");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo(2);
        assertThat(dlock.stderr()).startsWith("dlock: ").contains("lease");
        assertThat(file("ran")).doesNotExist();
        awaitFree();
    }
}
