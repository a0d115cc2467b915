package dev.dlock.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Many locks held by one session, numbered from 1, for the measurements of issue 15 (how a session's held locks
 * weigh on its statements, and how many it can hold). Their keys lie apart from any key dlock derives, so that
 * a dlock lock timed beside them is never one of them: on PostgreSQL the two-{@code int} advisory key space
 * (dlock uses the {@code bigint} one, a different lock tag), on MariaDB names with a prefix of their own.
 * Statements are prepared once; not for concurrent use.
 */
final class HeldLocks implements AutoCloseable {
    /** The most locks one statement of {@link #takeRange} takes: MariaDB bounds a recursive query's rows. */
    static final int RANGE_STATEMENT_MAX = 1000;
    /** The first of the two keys of every PostgreSQL lock here; the second is the lock's number. */
    private static final int POSTGRESQL_KEY_SPACE = 15;
    private static final String MARIADB_NAME_PREFIX = "dlock-bench:held:";

    private final PreparedStatement takeOne;
    private final PreparedStatement takeRange;
    private final PreparedStatement releaseAll;

    /**
     * @param connection the session that takes the locks
     * @param kind       its kind of server
     */
    HeldLocks(Connection connection, RawStatements kind) throws SQLException {
        if (kind == RawStatements.POSTGRESQL) {
            takeOne = connection.prepareStatement("SELECT pg_try_advisory_lock(" + POSTGRESQL_KEY_SPACE + ", ?)");
            takeRange = connection.prepareStatement("SELECT count(*) FROM generate_series(?, ?) AS k"
                    + " WHERE pg_try_advisory_lock(" + POSTGRESQL_KEY_SPACE + ", k)");
            releaseAll = connection.prepareStatement("SELECT pg_advisory_unlock_all()");
        } else {
            takeOne = connection.prepareStatement("SELECT GET_LOCK(CONCAT('" + MARIADB_NAME_PREFIX + "', ?), 0)");
            // GET_LOCK per row of a generated range: a thousand locks in one round trip
            takeRange = connection.prepareStatement("WITH RECURSIVE k (i) AS (SELECT CAST(? AS INTEGER) UNION ALL"
                    + " SELECT i + 1 FROM k WHERE i < ?) SELECT SUM(GET_LOCK(CONCAT('" + MARIADB_NAME_PREFIX
                    + "', i), 0)) FROM k");
            releaseAll = connection.prepareStatement("SELECT RELEASE_ALL_LOCKS()");
        }
    }

    /**
     * Takes lock {@code number} with one statement, without waiting.
     *
     * @return whether it was granted (not if another session holds it)
     * @throws SQLException as the server refuses it, such as PostgreSQL's 53200 when its lock table is full
     */
    boolean takeOne(int number) throws SQLException {
        takeOne.setInt(1, number);
        try (ResultSet rs = takeOne.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /**
     * Takes locks {@code 1} to {@code count}, a thousand per statement, and checks that every one was granted.
     *
     * @throws IllegalStateException if some were not: another session holds them
     */
    void takeFirst(int count) throws SQLException {
        for (int from = 1; from <= count; from += RANGE_STATEMENT_MAX) {
            int to = Math.min(count, from + RANGE_STATEMENT_MAX - 1);
            int granted = takeRange(from, to);
            if (granted != to - from + 1) {
                throw new IllegalStateException("only " + granted + " of locks " + from + " to " + to + " were"
                        + " granted: another session holds the others");
            }
        }
    }

    /** @return how many of locks {@code from} to {@code to} (at most {@link #RANGE_STATEMENT_MAX}) it took */
    private int takeRange(int from, int to) throws SQLException {
        takeRange.setInt(1, from);
        takeRange.setInt(2, to);
        try (ResultSet rs = takeRange.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Releases every lock the session holds, these and any other. */
    void releaseAll() throws SQLException {
        try (ResultSet rs = releaseAll.executeQuery()) {
            rs.next();
        }
    }

    /** Closes the statements; the locks stay held until {@link #releaseAll()} or the session's end. */
    @Override
    public void close() throws SQLException {
        takeOne.close();
        takeRange.close();
        releaseAll.close();
    }
}
