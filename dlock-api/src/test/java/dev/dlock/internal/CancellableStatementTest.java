package dev.dlock.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dlock.spi.LockRequest.SqlCall;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.channels.spi.AbstractInterruptibleChannel;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The one cancel mechanism, without a database: a statement stub whose {@code execute} blocks until cancelled,
 * as a lock wait does, and whose {@code cancel()} is counted (and can be made slow, as a driver's
 * {@code KILL QUERY} over a new connection is).
 */
class CancellableStatementTest {
    private static final long SANITY_SECONDS = 30;

    private final AtomicInteger cancels = new AtomicInteger();
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private volatile CountDownLatch cancelMayFinish = new CountDownLatch(0);
    private volatile int cancelsToLose;
    private final CountDownLatch cancelStarted = new CountDownLatch(1);
    /** The query timeouts set on the statement, in order. */
    private final List<Integer> queryTimeouts = new CopyOnWriteArrayList<>();

    /** A statement whose cancel() ends a blocked execution, unless told to lose it. */
    private final Statement statement = (Statement) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {Statement.class}, (proxy, method, args) -> {
                if (method.getName().equals("setQueryTimeout")) {
                    queryTimeouts.add((Integer) args[0]);
                }
                if (method.getName().equals("cancel")) {
                    cancelStarted.countDown();
                    cancelMayFinish.await();
                    if (cancels.incrementAndGet() > cancelsToLose) {
                        cancelled.countDown();
                    }
                }
                return null;
            });

    /** What the statement's execution does: block until cancelled, then fail as drivers do. */
    private final SqlCall<Boolean> blockUntilCancelled = () -> {
        awaitUninterruptibly(cancelled);
        throw new SQLException("canceling statement due to user request", "57014");
    };

    @AfterEach
    void leaveNoInterrupt() {
        Thread.interrupted();
    }

    @Test
    void interruptCancelsAtOnceThroughTheJdkWithoutThePoll() throws Exception {
        long pollCatches = CancellableStatement.POLL_CATCHES.get();
        CompletableFuture<SQLException> waiting = runInThread(blockUntilCancelled);
        Thread waiter = awaitBlocked();
        assertThat(CancellableStatement.polling()).as("the safety poll runs while a statement does").isTrue();
        waiter.interrupt();
        assertThat((Throwable) waiting.get(SANITY_SECONDS, TimeUnit.SECONDS)).hasMessageContaining("canceling");
        PendingRequest request = made.get();
        assertThat(cancels.get()).isPositive();
        assertThat(CancellableStatement.POLL_CATCHES.get()).as("the JDK told dlock; the poll had nothing to do")
                .isEqualTo(pollCatches);
        assertThat(request.abandoned()).isTrue();
        assertThat(request.callerCancelled()).isFalse();
    }

    /**
     * A driver doing interruptible NIO itself registers its own channel with the JDK for its reads, and dlock's
     * registration is gone: the safety poll must still see the interrupt and cancel.
     */
    @Test
    void interruptIsStillCaughtWhenADriverTakesTheJdkRegistrationOver() throws Exception {
        long pollCatches = CancellableStatement.POLL_CATCHES.get();
        CompletableFuture<SQLException> waiting = runInThread(() -> {
            DriverChannel driversOwn = new DriverChannel();
            driversOwn.read(cancelled);
            throw new SQLException("canceling statement due to user request", "57014");
        });
        Thread waiter = runner.get(SANITY_SECONDS, TimeUnit.SECONDS);
        awaitState(waiter, Thread.State.TIMED_WAITING); // in the driver's read
        waiter.interrupt();
        assertThat((Throwable) waiting.get(SANITY_SECONDS, TimeUnit.SECONDS)).hasMessageContaining("canceling");
        assertThat(CancellableStatement.POLL_CATCHES.get()).isGreaterThan(pollCatches);
        assertThat(made.get().cancelledByDlock()).isTrue();
    }

    @Test
    void theCallersCancelReachesTheStatementAndIsNotAnInterrupt() throws Exception {
        CompletableFuture<SQLException> waiting = runInThread(blockUntilCancelled);
        awaitBlocked();
        PendingRequest request = made.get();
        request.cancel();
        assertThat((Throwable) waiting.get(SANITY_SECONDS, TimeUnit.SECONDS)).isNotNull();
        assertThat(request.callerCancelled()).isTrue();
        assertThat(request.cancelledByDlock()).isTrue();
    }

    @Test
    void aCancelLostBeforeTheStatementReachedTheServerIsSentAgain() throws Exception {
        cancelsToLose = 3; // the driver got them while the statement was still on its way
        CompletableFuture<SQLException> waiting = runInThread(blockUntilCancelled);
        awaitBlocked().interrupt();
        assertThat((Throwable) waiting.get(SANITY_SECONDS, TimeUnit.SECONDS)).isNotNull();
        assertThat(cancels.get()).isGreaterThan(3);
    }

    @Test
    void deadlineCutEndsTheStatementAtTheDeadlineAndIsNotAnInterrupt() throws Exception {
        Duration timeout = Duration.ofMillis(50);
        PendingRequest request = PendingRequest.upTo(timeout);
        request.beginRequest();
        long start = System.nanoTime();
        SQLException failure = null;
        try {
            request.cancellableUntilDeadline(statement, blockUntilCancelled);
        } catch (SQLException e) {
            failure = e;
        }
        assertThat((Throwable) failure).isNotNull();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not cut before the deadline")
                .isGreaterThanOrEqualTo(timeout);
        assertThat(request.cancelledByDlock()).isTrue();
        assertThat(request.abandoned()).isFalse();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void withoutADeadlineCutTheStatementIsNotCancelledAtTheDeadline() throws Exception {
        PendingRequest request = PendingRequest.upTo(Duration.ofMillis(1));
        request.beginRequest();
        AtomicBoolean returned = new AtomicBoolean();
        // the statement answers after several times the timeout: nothing may have cancelled it meanwhile
        request.cancellable(statement, () -> {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30);
            while (System.nanoTime() < until) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // the stub database's own wait
            }
            returned.set(true);
            return true;
        });
        assertThat(returned).isTrue();
        assertThat(cancels.get()).isZero();
        assertThat(request.cancelledByDlock()).isFalse();
    }

    @Test
    void aDeadlineAlreadyPassedCutsTheStatementAtOnce() throws Exception {
        AtomicLong clock = new AtomicLong();
        PendingRequest request = PendingRequest.upTo(Duration.ofMillis(10), clock::get);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1)); // the caller's time ran out before the statement was sent
        request.beginRequest();
        SQLException failure = null;
        try {
            request.cancellableUntilDeadline(statement, blockUntilCancelled);
        } catch (SQLException e) {
            failure = e;
        }
        assertThat((Throwable) failure).isNotNull();
        assertThat(request.cancelledByDlock()).isTrue();
    }

    @Test
    void theStatementsAnswerIsHandedBackAndNoQueryTimeoutOfTheDriversCutsTheWait() throws Exception {
        PendingRequest untilHeld = PendingRequest.untilHeld();
        assertThat(untilHeld.cancellable(statement, () -> "granted")).isEqualTo("granted");
        assertThat(queryTimeouts).as("a driver's default query timeout is turned off").containsExactly(0);
        PendingRequest timed = PendingRequest.upTo(Duration.ofSeconds(SANITY_SECONDS));
        assertThat(timed.cancellableUntilDeadline(statement, () -> "granted")).isEqualTo("granted");
        assertThat(timed.cancellable(statement, () -> 7)).isEqualTo(7);
        assertThat(PendingRequest.once().cancellable(statement, () -> "once")).isEqualTo("once");
        assertThat(queryTimeouts).as("one attempt leaves the statement as it is").containsExactly(0, 0, 0);
        assertThat(cancels.get()).isZero();
    }

    @Test
    void aRequestCancelledBeforeItsStatementRanCancelsTheStatementAtOnce() throws Exception {
        PendingRequest request = PendingRequest.untilHeld();
        request.cancel();
        SQLException failure = null;
        try {
            request.cancellable(statement, blockUntilCancelled);
        } catch (SQLException e) {
            failure = e;
        }
        assertThat((Throwable) failure).isNotNull();
        assertThat(request.cancelledByDlock()).isTrue();
        assertThat(request.abandoned()).isTrue();
    }

    @Test
    void oneAttemptRunsWithoutTheCancelMachinery() throws Exception {
        PendingRequest once = PendingRequest.once();
        Thread.currentThread().interrupt();
        assertThat(once.cancellable(statement, () -> true)).isTrue();
        assertThat(cancels.get()).as("nothing blocks, so nothing is cancelled").isZero();
    }

    /**
     * The statement returns while a slow cancel of it is on its way (a MySQL driver's KILL QUERY over a new
     * connection): the run must not end before that cancel has, or the kill would land on the connection's
     * next statement.
     */
    @Test
    void theRunEndsOnlyAfterACancelAlreadyOnItsWay() throws Exception {
        cancelMayFinish = new CountDownLatch(1);
        AtomicBoolean runReturned = new AtomicBoolean();
        AtomicBoolean runHadReturnedWhenTheCancelEnded = new AtomicBoolean(true);
        CompletableFuture<Boolean> flagAfterRun = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                PendingRequest.untilHeld().cancellable(statement, () -> {
                    awaitUninterruptibly(cancelStarted); // answered as the cancel left: the race in question
                    return true;
                });
                runReturned.set(true);
                flagAfterRun.complete(Thread.currentThread().isInterrupted());
            } catch (Throwable e) {
                flagAfterRun.completeExceptionally(e);
            }
        }, "test-waiter");
        waiter.setDaemon(true);
        waiter.start();
        awaitState(waiter, Thread.State.WAITING); // blocked in the stub, on the latch
        waiter.interrupt();
        assertThat(cancelStarted.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        // the statement has answered; the waiter now waits for the cancel in flight, or (wrongly) returns
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SANITY_SECONDS);
        while (waiter.getState() != Thread.State.TIMED_WAITING && !flagAfterRun.isDone()
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(flagAfterRun).as("returned while its cancel was still on its way").isNotDone();
        CompletableFuture.runAsync(() -> {
            runHadReturnedWhenTheCancelEnded.set(runReturned.get());
            cancelMayFinish.countDown();
        }).get(SANITY_SECONDS, TimeUnit.SECONDS);
        assertThat(flagAfterRun.get(SANITY_SECONDS, TimeUnit.SECONDS))
                .as("the interrupt flag survives the wait for the cancel").isTrue();
        assertThat(runHadReturnedWhenTheCancelEnded).isFalse();
    }

    /** Once its statement has returned, an interrupt of the thread is not the request's: the JDK is told so. */
    @Test
    void anInterruptAfterTheStatementReturnedIsNotTheRequests() throws Exception {
        CountDownLatch returned = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        CompletableFuture<Boolean> abandoned = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                PendingRequest request = PendingRequest.untilHeld();
                request.cancellable(statement, () -> true);
                returned.countDown();
                awaitUninterruptibly(interrupted);
                Thread.interrupted(); // the flag is the caller's business; the request must not have seen it
                abandoned.complete(request.abandoned());
            } catch (Throwable e) {
                abandoned.completeExceptionally(e);
            }
        }, "test-waiter");
        waiter.setDaemon(true);
        waiter.start();
        assertThat(returned.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        waiter.interrupt();
        interrupted.countDown();
        assertThat(abandoned.get(SANITY_SECONDS, TimeUnit.SECONDS)).isFalse();
        assertThat(cancels.get()).isZero();
    }

    @Test
    void noCancelReachesTheStatementOnceItHasReturned() throws Exception {
        PendingRequest request = PendingRequest.untilHeld();
        request.cancellable(statement, () -> true);
        request.cancel(); // the caller cancels a request whose statement is done
        assertThat(cancels.get()).isZero();
    }

    @Test
    void theSafetyPollStopsWhenNothingRuns() throws Exception {
        PendingRequest request = PendingRequest.untilHeld();
        request.cancellable(statement, () -> true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SANITY_SECONDS);
        while (CancellableStatement.polling() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // asking the state, not timing it
        }
        assertThat(CancellableStatement.polling()).as("an idle JVM pays nothing").isFalse();
    }

    // ----- helpers

    private final CompletableFuture<Thread> runner = new CompletableFuture<>();

    private final AtomicReference<PendingRequest> made = new AtomicReference<>();

    /** Runs the statement in a new thread, with a request made there, as the API makes it on the waiting thread. */
    private CompletableFuture<SQLException> runInThread(SqlCall<Boolean> execution) {
        CompletableFuture<SQLException> outcome = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            PendingRequest request = PendingRequest.untilHeld();
            made.set(request);
            runner.complete(Thread.currentThread());
            try {
                request.cancellable(statement, execution);
                outcome.complete(null);
            } catch (SQLException e) {
                outcome.complete(e);
            } catch (Throwable e) {
                outcome.completeExceptionally(e);
            }
        }, "test-waiter");
        thread.setDaemon(true);
        thread.start();
        return outcome;
    }

    /** @return the runner thread, once it is parked inside the statement */
    private Thread awaitBlocked() throws Exception {
        Thread thread = runner.get(SANITY_SECONDS, TimeUnit.SECONDS);
        awaitState(thread, Thread.State.WAITING);
        return thread;
    }

    private static void awaitState(Thread thread, Thread.State state) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SANITY_SECONDS);
        while (thread.getState() != state) {
            assertThat(System.nanoTime()).as("%s reaches %s", thread.getName(), state).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // a socket read ignores interrupts; so does this stub
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A driver's own interruptible channel, as an NIO-based driver would read from. Its read leaves the interrupt
     * flag alone, as a socket read does (a latch's await would clear it).
     */
    private static final class DriverChannel extends AbstractInterruptibleChannel {
        void read(CountDownLatch until) {
            begin();
            try {
                while (until.getCount() > 0) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // returns at once once interrupted
                }
            } finally {
                try {
                    end(true);
                } catch (IOException ignored) {
                    // closed by the interrupt, as a driver's socket would be
                }
            }
        }

        @Override
        protected void implCloseChannel() {
            // a real driver would close its socket here
        }
    }
}
