package dev.dlock.shedlock;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.tck.DialectFixture;
import dev.dlock.tck.TestDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * What the provider's tests share: the database under test, an observer connection that asks the server who holds
 * a key, HikariCP pools as the nodes' pools (closed after each test), and unique lock names.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ProviderFixture {
    /** Longer than any wait a passing test makes: only a hang reaches it. */
    static final Duration SANITY = DialectFixture.SANITY;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final List<HikariDataSource> pools = new ArrayList<>();
    /** A connection of its own, holding nothing, from which the tests look at the server. */
    Connection observer;

    /** @return the database under test */
    abstract Database database();

    @BeforeEach
    void openObserver() throws SQLException {
        observer = database().database().connect();
    }

    @AfterEach
    void closeEverything() throws SQLException {
        pools.forEach(HikariDataSource::close);
        pools.clear();
        if (observer != null) {
            observer.close();
        }
    }

    /**
     * @param size the pool's most connections
     * @return a HikariCP pool on the database, as a node would have; closed after the test
     */
    HikariDataSource pool(int size) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(new TestDataSource(database().database()));
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        config.setPoolName("dlock-shedlock-" + POOLS.incrementAndGet());
        HikariDataSource pool = new HikariDataSource(config);
        pools.add(pool);
        return pool;
    }

    /** @return a provider on a pool of its own: one node */
    DlockLockProvider node() {
        return new DlockLockProvider(pool(2));
    }

    /**
     * @param key a dlock key
     * @return the session holding it on the server, or 0
     * @throws SQLException if the question fails
     */
    long holder(String key) throws SQLException {
        return database().holder(observer, key);
    }

    /**
     * @param key a dlock key
     * @return whether any session holds it on the server
     * @throws SQLException if the question fails
     */
    boolean heldOnServer(String key) throws SQLException {
        return holder(key) != 0;
    }

    /**
     * Waits, asking the server every millisecond, until nobody holds {@code key}; fails after {@link #SANITY}.
     *
     * @param key a dlock key
     * @throws Exception if the question fails
     */
    void awaitFree(String key) throws Exception {
        DialectFixture.awaitServer(key + " free", () -> !heldOnServer(key));
    }

    /** @return a lock name no other test uses */
    static String uniqueName() {
        return "shedlock-" + DialectFixture.uniqueKey();
    }

    /**
     * @param name the lock name
     * @return ShedLock's test configuration: held at most 5 minutes, at least not at all
     */
    static LockConfiguration config(String name) {
        return config(name, Duration.ofMinutes(5), Duration.ZERO);
    }

    static LockConfiguration config(String name, Duration lockAtMostFor, Duration lockAtLeastFor) {
        return new LockConfiguration(ClockProvider.now(), name, lockAtMostFor, lockAtLeastFor);
    }
}
