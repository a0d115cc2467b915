package dev.dlock.tck;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * What {@link FaultContract} and {@link HostileInputContract} share: connections closed after each test, an
 * observer connection, threads that die with the test, unique keys, waiting by asking the database, and a
 * {@link ReliabilityTally} printed when the class is done.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ReliabilityContract {
    /** Longer than any wait a passing test makes: only a hang reaches it. */
    protected static final Duration SANITY = Duration.ofSeconds(30);
    private static final AtomicInteger KEYS = new AtomicInteger();
    private static final String RUN = Long.toHexString(System.nanoTime() & 0xffffffL);

    private final List<Connection> connections = new ArrayList<>();
    /** Threads of the current test; shut down after it. */
    protected ExecutorService threads;
    /** A connection of its own from which the tests look at the server. */
    protected Connection observer;
    /** The counts of this class, printed after it. */
    protected final ReliabilityTally tally = new ReliabilityTally(getClass().getSimpleName());

    /** @return the dialect under test */
    protected abstract DialectUnderTest dialect();

    @BeforeEach
    void openObserver() throws SQLException {
        threads = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "dlock-reliability-" + getClass().getSimpleName());
            thread.setDaemon(true);
            return thread;
        });
        observer = connect();
    }

    @AfterEach
    void closeEverything() throws SQLException {
        threads.shutdownNow();
        for (Connection connection : connections) {
            connection.close();
        }
        connections.clear();
    }

    @AfterAll
    void printCounts() {
        tally.print();
    }

    /**
     * @return a new connection to the dialect's shared database, closed after the test
     * @throws SQLException if the database cannot be reached
     */
    protected Connection connect() throws SQLException {
        return closedAfterTest(dialect().database().connect());
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
    protected static String uniqueKey() {
        return "rel-" + RUN + "-" + KEYS.incrementAndGet();
    }

    /**
     * Waits, by asking the database, until {@code condition} holds; fails the test after {@link #SANITY}.
     *
     * @param what      what is awaited, for the failure message
     * @param condition the question to the database
     * @throws Exception if the question fails
     */
    protected static void awaitServer(String what, ServerCondition condition) throws Exception {
        condition.await(what, SANITY);
    }

    /**
     * @param connection a connection
     * @return whether it answers {@code SELECT 1}
     */
    protected static boolean isUsable(Connection connection) {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT 1")) {
            return rs.next() && rs.getInt(1) == 1;
        } catch (SQLException e) {
            return false;
        }
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
