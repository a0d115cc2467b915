package dev.dlock.tck;

import dev.dlock.LockMode;
import dev.dlock.LockScope;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * One dialect's database, described once for every contract of the test kit ({@link DialectContract} runs them all,
 * {@link MutualExclusionProperty} and {@link PartitionContract} take it too): how to reach it, how to see its locks
 * from another session, how to end a session, what a key should become on the server (derived independently of
 * dlock's own code), the SQL its tests need where databases differ, and how to start a server of its own that a test
 * may stop and start again. A dialect's test module implements it once.
 */
public interface DialectUnderTest {

    /** @return what the test runs against, for the counts the suites print ("PostgreSQL", "MariaDB via Connector/J") */
    String name();

    /**
     * @return why the database cannot be reached here (no Docker engine, no server URL given), or empty when it can;
     *         the dialect's test classes are skipped with this reason before connecting
     */
    default Optional<String> unavailable() {
        return Optional.empty();
    }

    /** @return the shared database of the test JVM */
    TestDatabase database();

    /** @return the modes the dialect supports */
    Set<LockMode> supportedModes();

    /** @return the scopes the dialect supports */
    Set<LockScope> supportedScopes();

    /**
     * @param observer    a connection that holds nothing
     * @param databaseKey a {@link dev.dlock.DistributedLock#databaseKey()}
     * @return whether any session holds that lock
     * @throws SQLException if the question fails
     */
    boolean isLockedOnServer(Connection observer, Object databaseKey) throws SQLException;

    /**
     * @param observer    a connection that holds nothing
     * @param databaseKey a {@link dev.dlock.DistributedLock#databaseKey()} of a plain ASCII key
     * @return how many sessions wait for that lock
     * @throws SQLException if the question fails
     */
    int waitersOnServer(Connection observer, Object databaseKey) throws SQLException;

    /**
     * @param session a connection, idle
     * @return its session's id on the server (PostgreSQL's backend pid, MySQL's {@code CONNECTION_ID()}); read it
     *         before the session blocks, for the questions below
     * @throws SQLException if the question fails
     */
    long sessionId(Connection session) throws SQLException;

    /**
     * @param observer    a connection that holds nothing
     * @param databaseKey the lock
     * @param sessionId   the session that should hold it, from {@link #sessionId}
     * @return whether exactly that session holds the lock
     * @throws SQLException if the question fails
     */
    boolean isHeldBy(Connection observer, Object databaseKey, long sessionId) throws SQLException;

    /**
     * @param observer  a connection that holds nothing
     * @param sessionId a session, from {@link #sessionId}
     * @return how many locks of this kind the session holds, if the server can list them
     * @throws SQLException if the question fails
     */
    OptionalInt locksHeldBy(Connection observer, long sessionId) throws SQLException;

    /**
     * Ends a session from {@code observer}, as an administrator would.
     *
     * @param observer  a connection allowed to end other sessions
     * @param sessionId the session to end, from {@link #sessionId}
     * @throws SQLException if it fails
     */
    void killSession(Connection observer, long sessionId) throws SQLException;

    /**
     * @return a query that releases every lock of this kind its session holds, as code outside dlock might
     *         ({@code pg_advisory_unlock_all()}, {@code RELEASE_ALL_LOCKS()}); empty if the database has none
     */
    Optional<String> releaseAllLocksQuery();

    /** @return whether a transaction-scoped lock can be released before its transaction ends */
    default boolean transactionLocksReleasable() {
        return false;
    }

    /** @return a query that answers one row with the number 1 ({@code SELECT 1 FROM DUAL} before Oracle 23ai) */
    default String selectOne() {
        return "SELECT 1";
    }

    /**
     * @param table   a table name
     * @param columns its column definitions, in types every dialect knows ({@code INT}, {@code VARCHAR(n)})
     * @return a statement that creates the table if it is missing and does nothing if it is there
     */
    default String createTableIfMissing(String table, String columns) {
        return "CREATE TABLE IF NOT EXISTS " + table + " (" + columns + ")";
    }

    /**
     * What the lock on a string key is on the server, derived as README's "Keys" section says, without dlock's code: the
     * BLAKE2b-64 key on PostgreSQL, the name itself on MySQL-family servers.
     *
     * @param key the string key
     * @return the database key, or empty if the dialect must refuse the key with {@link IllegalArgumentException}
     */
    Optional<Object> expectedDatabaseKey(String key);

    /**
     * @param key a numeric key
     * @return what the lock on it is on the server, as README's "Keys" section says (the number itself on PostgreSQL, its decimal
     *         digits as the name on MySQL-family servers), or empty if the dialect must refuse the number with
     *         {@link IllegalArgumentException} (Oracle's lock ids are 0 to 2^30 − 1)
     */
    Optional<Object> expectedDatabaseKey(long key);

    /** @return keys exactly at the dialect's length limits (for example 4-byte characters), which must work */
    List<String> keysAtTheLengthLimit();

    /** @return keys just past the dialect's length limits, refused before any SQL; empty if there is no limit */
    List<String> keysPastTheLengthLimit();

    /**
     * Makes {@code connection}'s open transaction fail so that later statements are refused until rollback
     * (PostgreSQL's 25P02).
     *
     * @param connection a connection with auto-commit off
     * @return the SQLSTATE later statements fail with, or empty if the database has no such state
     * @throws SQLException if breaking it went wrong in an unexpected way
     */
    Optional<String> breakTransaction(Connection connection) throws SQLException;

    /**
     * Starts a server of the test's own, which it may stop and start again. A dialect that cannot (a server in a
     * container or at a URL) aborts the test with a reason ({@link org.junit.jupiter.api.Assumptions#abort(String)}).
     *
     * @param directory where its files go, under {@code target/}
     * @return the running server
     * @throws Exception if it cannot start
     */
    RestartableServer startRestartableServer(Path directory) throws Exception;
}
