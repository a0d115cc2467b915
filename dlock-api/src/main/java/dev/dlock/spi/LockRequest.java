package dev.dlock.spi;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * One bounded request for a lock, as the API hands it to {@link DialectLock#request}: how long the database may
 * wait this time, and the one way to run a statement that may block.
 *
 * <p>The API owns everything around it: the loop that asks again while the caller's time lasts, the deadline,
 * interrupts and cancels. A dialect only sends its statement, waiting at most {@link #timeout}, and runs it
 * through {@link #cancellable} (or {@link #cancellableUntilDeadline}), so that an interrupt of the waiting
 * thread, a cancelled {@link java.util.concurrent.CompletableFuture} or the deadline stops it on the server
 * with {@link Statement#cancel()}. A cancel never reaches the connection's next statement: the statement's
 * run ends only once no cancel of it can still be on its way.
 *
 * <p>Made by the API for one call of {@link DialectLock#request} on the waiting thread; not for other threads.
 */
public interface LockRequest {

    /**
     * How long this request may wait at the database: the time left before the caller's deadline, rounded
     * <em>up</em> to whole {@code unit}s so that the database never gives up before the deadline, and at most
     * {@code max} (the longest wait the database takes in one statement; the API asks again while time is
     * left, so a wait without a deadline is a series of {@code max}-long requests).
     *
     * <p>Zero means one attempt: the caller asked not to wait ({@code tryAcquire()}), or the time is up. The
     * dialect then sends its non-waiting form, if it has one. The API holds the database to the bound given
     * here: an answer of "not granted" well before it (under half of it) is reported as an error, not asked
     * again.
     *
     * @param unit the unit the database counts its timeout in
     * @param max  the longest timeout, in {@code unit}s, one statement may be given; positive
     * @return the timeout to send, in {@code unit}s: {@code 0} for one attempt, otherwise {@code 1..max}
     * @throws IllegalArgumentException if {@code max} is not positive
     */
    long timeout(TimeUnit unit, long max);

    /**
     * Runs {@code execution}, which executes {@code statement} and may block in it, so that an interrupt of
     * the waiting thread or the caller's cancel stops the statement on the server. Returns when
     * {@code execution} does and no cancel of {@code statement} is on its way any more. The statement's client-side
     * query timeout is set to none first ({@code setQueryTimeout(0)}): the wait is bounded by
     * {@link #timeout}, not by a driver's default.
     *
     * <p>A statement ended by such a cancel usually fails (or answers as the database answers a cancelled
     * wait): let the failure through, or map the answer to "not granted"; the API asks
     * {@link DialectLock#isHeld} whether the lock was granted as the cancel landed, and reports the interrupt.
     *
     * @param statement the statement about to block
     * @param execution what executes it and reads its answer
     * @param <T>       what {@code execution} returns
     * @return what {@code execution} returned
     * @throws SQLException as {@code execution} threw it
     */
    <T> T cancellable(Statement statement, SqlCall<T> execution) throws SQLException;

    /**
     * As {@link #cancellable}, and the statement is also cancelled at the caller's deadline: for a database
     * whose own timeout is coarser than the caller's (whole seconds), so that the wait ends at the deadline,
     * not at the next whole second. A statement ended that way is a timeout: the API asks
     * {@link DialectLock#isHeld} whether the lock was granted as the cancel landed, and otherwise answers
     * "not granted".
     *
     * @param statement the statement about to block
     * @param execution what executes it and reads its answer
     * @param <T>       what {@code execution} returns
     * @return what {@code execution} returned
     * @throws SQLException as {@code execution} threw it
     */
    <T> T cancellableUntilDeadline(Statement statement, SqlCall<T> execution) throws SQLException;

    /**
     * Whether the request must not end holding the lock: the waiting thread was interrupted, or the caller
     * cancelled. When a dialect's lock is granted anyway, the API gives it back with {@link DialectLock#unlock};
     * only a lock that {@code unlock} cannot end (PostgreSQL's transaction locks) needs the dialect to undo it
     * itself and answer "not granted".
     *
     * @return whether the request was abandoned
     */
    boolean abandoned();

    /**
     * A piece of JDBC work that answers something.
     *
     * @param <T> what it answers
     */
    @FunctionalInterface
    interface SqlCall<T> {
        /**
         * @return the answer
         * @throws SQLException as the driver threw it
         */
        T call() throws SQLException;
    }
}
