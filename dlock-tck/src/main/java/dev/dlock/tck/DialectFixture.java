package dev.dlock.tck;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.DistributedLock;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The one fixture of the test kit's contracts: connections closed after each test, an observer connection,
 * threads that die with the test, unique keys, waiting by asking the database, and a {@link ReliabilityTally}
 * printed when the class is done. {@link MutualExclusionProperty} and {@link PartitionContract}, which run under
 * other lifecycles, use its static parts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SkipWhereTheDatabaseIsMissing.class)
public abstract class DialectFixture {
    /** Longer than any wait a passing test makes: only a hang reaches it. */
    public static final Duration SANITY = Duration.ofSeconds(30);
    private static final AtomicInteger KEYS = new AtomicInteger();
    private static final String RUN = Long.toHexString(System.nanoTime() & 0xffffffL);

    private final List<Connection> connections = new ArrayList<>();
    private final List<HikariDataSource> pools = new ArrayList<>();
    /** Threads of the current test; shut down after it. */
    protected ExecutorService threads;
    /** A connection of its own from which the tests look at the server. */
    protected Connection observer;
    /** The counts of this class, printed after it. */
    protected ReliabilityTally tally;

    /** @return the dialect under test */
    protected abstract DialectUnderTest dialect();

    @BeforeAll
    void openTally() {
        tally = new ReliabilityTally(dialect().name() + " " + contractName());
    }

    /** @return the contract's own class name, whether a dialect's test extends it directly or through a nested class */
    private String contractName() {
        Class<?> type = getClass();
        while (!type.getPackageName().equals(DialectFixture.class.getPackageName())) {
            type = type.getSuperclass();
        }
        return type == DialectFixture.class ? getClass().getSimpleName() : type.getSimpleName();
    }

    @BeforeEach
    void openObserver() throws SQLException {
        threads = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "dlock-tck-" + getClass().getSimpleName());
            thread.setDaemon(true);
            return thread;
        });
        observer = connect();
    }

    @AfterEach
    void closeEverything() throws SQLException {
        threads.shutdownNow();
        pools.forEach(HikariDataSource::close);
        pools.clear();
        for (Connection connection : connections) {
            connection.close();
        }
        connections.clear();
    }

    @AfterAll
    void printCounts() {
        if (tally != null && !tally.isEmpty()) {
            tally.print();
        }
    }

    /**
     * @return a new connection to the dialect's shared database, closed after the test
     * @throws SQLException if the database cannot be reached
     */
    protected Connection connect() throws SQLException {
        return closedAfterTest(dialect().database().connect());
    }

    /**
     * @param size the pool's most connections
     * @return a HikariCP pool over the dialect's database, closed after the test
     */
    protected HikariDataSource pool(int size) {
        return pool(size, UnaryOperator.identity());
    }

    /**
     * @param size   the pool's most connections
     * @param opened given each physical connection the pool opens; the pool gets what it returns
     * @return a HikariCP pool over the dialect's database, closed after the test
     */
    protected HikariDataSource pool(int size, UnaryOperator<Connection> opened) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(new TestDataSource(dialect().database(), opened));
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        config.setPoolName("dlock-tck-" + size);
        HikariDataSource pool = new HikariDataSource(config);
        pools.add(pool);
        return pool;
    }

    /**
     * @param connection a connection the test made some other way
     * @return the same connection, to be closed after the test
     */
    protected Connection closedAfterTest(Connection connection) {
        connections.add(connection);
        return connection;
    }

    /** @return a key no other test uses: plain ASCII, so every server view can find it */
    public static String uniqueKey() {
        return "tck-" + RUN + "-" + KEYS.incrementAndGet();
    }

    /** @return a number no other test uses, for probe rows and numeric keys */
    protected static int uniqueNumber() {
        return KEYS.incrementAndGet();
    }

    /**
     * Waits, by asking the database, until {@code condition} holds; fails the test after {@link #SANITY}.
     *
     * @param what      what is awaited, for the failure message
     * @param condition the question to the database
     * @throws Exception if the question fails
     */
    public static void awaitServer(String what, ServerCondition condition) throws Exception {
        condition.await(what, SANITY);
    }

    /**
     * Waits, by asking the database, until a session waits for {@code lock}'s key.
     *
     * @param lock a lock some other session holds
     * @throws Exception if the question fails
     */
    protected void awaitWaiter(DistributedLock lock) throws Exception {
        awaitServer("a session waiting for " + lock, () -> waitersOnServer(lock) > 0);
    }

    /**
     * @param lock a lock
     * @return whether any session holds its key, asked from {@link #observer}
     * @throws SQLException if the question fails
     */
    protected boolean isLockedOnServer(DistributedLock lock) throws SQLException {
        return dialect().isLockedOnServer(observer, lock.databaseKey());
    }

    /**
     * @param lock a lock
     * @return how many sessions wait for its key, asked from {@link #observer}
     * @throws SQLException if the question fails
     */
    protected int waitersOnServer(DistributedLock lock) throws SQLException {
        return dialect().waitersOnServer(observer, lock.databaseKey());
    }

    /**
     * @param task work for another thread of the test
     * @param <T>  its result
     * @return its future
     */
    protected <T> Future<T> inThread(Callable<T> task) {
        return threads.submit(task);
    }

    /**
     * @param future a future of the test
     * @param <T>    its result
     * @return its result, waited for at most {@link #SANITY}
     * @throws Exception if it failed or hung
     */
    protected static <T> T result(Future<T> future) throws Exception {
        return future.get(SANITY.toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * @param connection a connection
     * @return whether it answers the dialect's {@link DialectUnderTest#selectOne()}
     */
    protected boolean isUsable(Connection connection) {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(dialect().selectOne())) {
            return rs.next() && rs.getInt(1) == 1;
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Creates the table {@code name (id INT)} if it is missing.
     *
     * @param name the table
     * @throws SQLException if it fails
     */
    protected void createProbeTable(String name) throws SQLException {
        execute(observer, dialect().createTableIfMissing(name, "id INT"));
    }

    /**
     * @param connection a connection
     * @param table      a probe table
     * @param id         the row to add
     * @throws SQLException if it fails
     */
    protected static void insertProbe(Connection connection, String table, int id) throws SQLException {
        execute(connection, "INSERT INTO " + table + " (id) VALUES (" + id + ")");
    }

    /**
     * @param table a probe table
     * @param id    a row id
     * @return how many committed rows have that id, seen from {@link #observer}
     * @throws SQLException if it fails
     */
    protected long probeRows(String table, int id) throws SQLException {
        return queryLong(observer, "SELECT COUNT(*) FROM " + table + " WHERE id = " + id);
    }

    /**
     * @param connection a connection
     * @param sql        a statement
     * @throws SQLException if it fails
     */
    protected static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /**
     * @param connection a connection
     * @param sql        a query of one number
     * @return the number
     * @throws SQLException if it fails
     */
    protected static long queryLong(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * @param failure an exception
     * @return its messages and those of its causes, for an assertion's description
     */
    protected static String causes(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            text.append(text.length() == 0 ? "" : " <- ").append(cause);
        }
        return text.toString();
    }
}
