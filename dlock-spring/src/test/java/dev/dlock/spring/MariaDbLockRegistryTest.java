package dev.dlock.spring;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DataSourceLocks;
import dev.dlock.tck.MariaDbDatabase;
import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.integration.support.locks.LockRegistry;

/** {@link LockRegistryContract} on MariaDB named locks, through the MariaDB driver. */
class MariaDbLockRegistryTest extends LockRegistryContract {

    @Override
    TestDatabase database() {
        return MariaDbDatabase.instance().throughMariaDbDriver();
    }

    @Override
    String dialect() {
        return "MariaDB";
    }

    @Test
    void aNameLongerThanMariaDbTakesIsRefusedByObtain() {
        node().run(context -> assertThatThrownBy(() -> context.getBean(LockRegistry.class).obtain("n".repeat(65)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64"));
    }

    @Override
    boolean heldOnServer(Connection observer, DataSourceLocks locks, String key) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement("SELECT IS_USED_LOCK(?) IS NOT NULL")) {
            statement.setString(1, key);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    @Override
    void killHolder(Connection observer, DataSourceLocks locks, String key) throws SQLException {
        long holder;
        try (PreparedStatement statement = observer.prepareStatement("SELECT IS_USED_LOCK(?)")) {
            statement.setString(1, key);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                holder = rs.getLong(1);
                if (rs.wasNull()) {
                    throw new IllegalStateException("nobody holds " + key);
                }
            }
        }
        try (Statement statement = observer.createStatement()) {
            statement.execute("KILL " + holder); // a number the server gave
        }
        // KILL returns once the session is marked; its locks go as it ends: ask until the name is free
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (heldOnServer(observer, locks, key)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("session " + holder + " never let " + key + " go");
            }
        }
    }

    /**
     * Sessions blocked in {@code GET_LOCK} for {@code key}: in state "User lock", with the name as a quoted literal in
     * their statement (the driver prepares on the client). The contract's keys have no quote or wildcard in them.
     */
    @Override
    int waitersOnServer(Connection observer, DataSourceLocks locks, String key) throws SQLException {
        try (PreparedStatement statement = observer.prepareStatement("SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                + " WHERE STATE LIKE '%user lock%' AND INFO LIKE ?")) {
            statement.setString(1, "%GET\\_LOCK('" + key + "'%");
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
