package dev.dlock.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.DataSourceLocks;
import dev.dlock.Locks;
import dev.dlock.spring.DlockLockRegistry;
import dev.dlock.shedlock.DlockLockProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.provider.jdbc.JdbcLockProvider;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.integration.jdbc.lock.JdbcLockRegistry;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * Workload 5: peer libraries on the same PostgreSQL, as their documentation sets them up, each on a HikariCP
 * pool (all borrow a connection per operation). Workload 1 for ShedLock's {@code JdbcLockProvider} and
 * {@code JdbcTemplateLockProvider} (on its table), dlock's ShedLock provider ({@code DlockLockProvider}, the same
 * ShedLock calls on advisory locks) and Spring Integration's {@code JdbcLockRegistry}; workload 3 for Spring only:
 * ShedLock has no call that waits for a lock (a task that finds it taken is skipped). Beside Spring's registry, in
 * the same run, dlock's ({@link DlockLockRegistry}, dlock-spring), each registry on a pool of its own as Spring
 * Boot would give it.
 *
 * <p>Spring's {@code lock()} polls its table every {@code idleBetweenTries} (100 ms by default), so its
 * handoff depends on when the release falls between two polls: the holder releases at a uniformly random
 * moment within one poll interval after the waiter started waiting.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PeerBenchmark {
    private static final String NAME = "dlock-bench:peer";
    /** Spring's default {@code idleBetweenTries}. */
    private static final long SPRING_POLL_MILLIS = 100;

    /** The PostgreSQL they share, and pools on it. */
    @State(Scope.Thread)
    public abstract static class Peer {
        /** {@code postgresql}, or a PostgreSQL JDBC URL: the peers run on PostgreSQL only. */
        @Param(BenchDatabase.POSTGRESQL)
        public String db;

        private BenchDatabase database;
        private final List<HikariDataSource> pools = new ArrayList<>();

        BenchDatabase database() {
            if (database == null) {
                database = BenchDatabase.of(db);
            }
            return database;
        }

        DataSource pool() {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(database().url());
            config.setMaximumPoolSize(2);
            config.setPoolName("dlock-bench-" + pools.size());
            HikariDataSource pool = new HikariDataSource(config);
            pools.add(pool);
            return pool;
        }

        void execute(String sql) throws SQLException {
            try (Connection connection = database().connect(); Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        }

        /**
         * Closes what the state opened on the pools, then the pools: one teardown, since JMH runs two of one state
         * in no set order, and a pool closed first fails a handoff's last release.
         */
        @TearDown(Level.Trial)
        public void close() throws Exception {
            try {
                closeOnPools();
            } finally {
                pools.forEach(HikariDataSource::close);
            }
        }

        /** What to end before the pools close. */
        void closeOnPools() throws Exception {
        }
    }

    /** ShedLock's JDBC providers and their table, as its README gives them for PostgreSQL. */
    @State(Scope.Thread)
    public static class ShedLock extends Peer {
        JdbcLockProvider provider;
        JdbcTemplateLockProvider templateProvider;

        /** Creates the table and the providers. */
        @Setup(Level.Trial)
        public void open() throws SQLException {
            execute("CREATE TABLE IF NOT EXISTS shedlock(name VARCHAR(64) NOT NULL, lock_until TIMESTAMP NOT NULL,"
                    + " locked_at TIMESTAMP NOT NULL, locked_by VARCHAR(255) NOT NULL, PRIMARY KEY (name))");
            provider = new JdbcLockProvider(pool());
            // the provider ShedLock recommends, with the option its README recommends
            templateProvider = new JdbcTemplateLockProvider(JdbcTemplateLockProvider.Configuration.builder()
                    .withJdbcTemplate(new JdbcTemplate(pool()))
                    .usingDbTime()
                    .build());
        }
    }

    /** dlock's ShedLock provider on the same kind of pool: no table. */
    @State(Scope.Thread)
    public static class DlockShedLock extends Peer {
        DlockLockProvider provider;

        /** Creates the provider. */
        @Setup(Level.Trial)
        public void open() {
            provider = new DlockLockProvider(pool());
        }
    }

    /** Spring Integration's lock registry, as a Spring context would build it. */
    @State(Scope.Thread)
    public abstract static class Spring extends Peer {
        JdbcLockRegistry registry() throws SQLException {
            createSchemaOnce();
            DataSource pool = pool();
            DefaultLockRepository repository = new DefaultLockRepository(pool);
            repository.setTransactionManager(new DataSourceTransactionManager(pool));
            // the calls a Spring context makes on the bean, in its order
            repository.afterPropertiesSet();
            repository.afterSingletonsInstantiated();
            repository.start();
            return new JdbcLockRegistry(repository);
        }

        private void createSchemaOnce() throws SQLException {
            try (Connection connection = database().connect(); Statement statement = connection.createStatement()) {
                try (ResultSet rs = statement.executeQuery("SELECT to_regclass('int_lock') IS NOT NULL")) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return; // an earlier run on this server made it; the script is not idempotent
                    }
                }
                for (String sql : springSchema().split(";")) {
                    if (!sql.isBlank()) {
                        statement.execute(sql);
                    }
                }
            }
        }

        private static String springSchema() {
            try (InputStream in = JdbcLockRegistry.class.getResourceAsStream("/org/springframework/integration/jdbc/schema-postgresql.sql")) {
                String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return script.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("(?m)--.*$", "");
            } catch (IOException e) {
                throw new IllegalStateException("cannot read Spring Integration's schema-postgresql.sql", e);
            }
        }
    }

    /** One Spring registry, for workload 1. */
    @State(Scope.Thread)
    public static class SpringRegistry extends Spring {
        Lock lock;

        /** Builds the registry and obtains the lock. */
        @Setup(Level.Trial)
        public void open() throws SQLException {
            lock = registry().obtain(NAME);
        }
    }

    /** Two Spring registries, as two processes would have, for workload 3. */
    @State(Scope.Thread)
    public static class SpringPair extends Spring {
        HandoffRound round;

        /** Builds the holder's and the waiter's registries. */
        @Setup(Level.Trial)
        public void open() throws SQLException {
            round = new HandoffRound(Locker.of(registry().obtain(NAME + ":handoff")),
                    Locker.of(registry().obtain(NAME + ":handoff")),
                    started -> {
                        started.get(30, TimeUnit.SECONDS);
                        // a poller cannot be seen waiting: release at a random phase of its poll interval
                        Thread.sleep(1 + ThreadLocalRandom.current().nextLong(SPRING_POLL_MILLIS));
                    });
        }

        /** Outside the clock: the holder holds, the waiter polls. */
        @Setup(Level.Invocation)
        public void prepare() throws Exception {
            round.prepare();
        }

        @Override
        void closeOnPools() throws Exception {
            round.close();
        }
    }

    /** dlock's registry, as dlock-spring's auto-configuration makes it: on {@code Locks.forDataSource(pool)}. */
    @State(Scope.Thread)
    public abstract static class DlockRegistry extends Peer {
        DataSourceLocks locks() {
            return Locks.forDataSource(pool());
        }
    }

    /** One dlock registry, for workload 1. */
    @State(Scope.Thread)
    public static class DlockRegistryLock extends DlockRegistry {
        Lock lock;

        /** Builds the registry and obtains the lock. */
        @Setup(Level.Trial)
        public void open() {
            lock = new DlockLockRegistry(locks()).obtain(NAME);
        }
    }

    /** Two dlock registries on two pools, as two processes would have, for workload 3. */
    @State(Scope.Thread)
    public static class DlockRegistryPair extends DlockRegistry {
        private static final String KEY = NAME + ":registry-handoff";

        private Connection observer;
        HandoffRound round;

        /** Builds the holder's and the waiter's registries, and the observer's connection. */
        @Setup(Level.Trial)
        public void open() throws SQLException {
            DataSourceLocks holder = locks();
            long advisoryKey = (Long) holder.lock(KEY).databaseKey();
            observer = database().connect();
            // the waiter's pool lends it some connection for its wait: ask the server about the key, not a session
            PreparedStatement waiting = observer.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_locks"
                    + " WHERE locktype = 'advisory' AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 1"
                    + " AND NOT granted)");
            waiting.setLong(1, advisoryKey >>> 32);
            waiting.setLong(2, advisoryKey & 0xffffffffL);
            round = new HandoffRound(Locker.of(new DlockLockRegistry(holder).obtain(KEY)),
                    Locker.of(new DlockLockRegistry(locks()).obtain(KEY)),
                    HandoffRound.askingTheServer(() -> {
                        try (ResultSet rs = waiting.executeQuery()) {
                            rs.next();
                            return rs.getBoolean(1);
                        }
                    }));
        }

        /** Outside the clock: the holder holds, the waiter waits. */
        @Setup(Level.Invocation)
        public void prepare() throws Exception {
            round.prepare();
        }

        @Override
        void closeOnPools() throws Exception {
            try {
                round.close();
            } finally {
                observer.close();
            }
        }
    }

    /** @return whether it was held: ShedLock's {@code lock} (lockAtMostFor 1 min, lockAtLeastFor 0) and unlock */
    @Benchmark
    public boolean shedlockLockUnlock(ShedLock shedLock) {
        return lockUnlock(shedLock.provider, NAME);
    }

    /** @return whether it was held: the same on ShedLock's {@code JdbcTemplateLockProvider}, using the database's time */
    @Benchmark
    public boolean shedlockTemplateLockUnlock(ShedLock shedLock) {
        return lockUnlock(shedLock.templateProvider, NAME + ":template");
    }

    /** @return whether it was held: the same ShedLock calls on dlock's {@code DlockLockProvider} */
    @Benchmark
    public boolean dlockShedlockLockUnlock(DlockShedLock shedLock) {
        return lockUnlock(shedLock.provider, NAME);
    }

    private static boolean lockUnlock(LockProvider provider, String name) {
        Optional<SimpleLock> lock = provider.lock(
                new LockConfiguration(ClockProvider.now(), name, Duration.ofMinutes(1), Duration.ZERO));
        UncontendedBenchmark.check(lock.isPresent());
        lock.get().unlock();
        return true;
    }

    /** @return whether it was held: Spring's {@code tryLock()} and {@code unlock()} */
    @Benchmark
    public boolean springTryLockUnlock(SpringRegistry spring) {
        UncontendedBenchmark.check(spring.lock.tryLock());
        spring.lock.unlock();
        return true;
    }

    /** @return whether it was held: Spring's {@code lock()} and {@code unlock()} */
    @Benchmark
    public boolean springLockUnlock(SpringRegistry spring) {
        spring.lock.lock();
        spring.lock.unlock();
        return true;
    }

    /** Spring's unlock on the holder's registry until {@code lock()} returns on the waiter's. */
    @Benchmark
    public void springHandoff(SpringPair pair) throws Exception {
        pair.round.handOff();
    }

    /** @return whether it was held: dlock's registry's {@code tryLock()} and {@code unlock()} */
    @Benchmark
    public boolean dlockRegistryTryLockUnlock(DlockRegistryLock dlock) {
        UncontendedBenchmark.check(dlock.lock.tryLock());
        dlock.lock.unlock();
        return true;
    }

    /** @return whether it was held: dlock's registry's {@code lock()} and {@code unlock()} */
    @Benchmark
    public boolean dlockRegistryLockUnlock(DlockRegistryLock dlock) {
        dlock.lock.lock();
        dlock.lock.unlock();
        return true;
    }

    /** dlock's registry: unlock on the holder's until {@code lock()} returns on the waiter's (on another pool). */
    @Benchmark
    public void dlockRegistryHandoff(DlockRegistryPair pair) throws Exception {
        pair.round.handOff();
    }
}
