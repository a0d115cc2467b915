package dev.dlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.LockLostException.Reason;
import dev.dlock.LockOptions;
import dev.dlock.LockTimeoutException;
import dev.dlock.internal.FakeDialects.FakeConnection;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockRequest;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The API's loop of bounded requests and what it makes of each answer, around a scripted dialect: the loop is
 * written once for every database, so it is tested once, here.
 */
class RequestLoopTest {
    private static final long SANITY_SECONDS = 30;

    /** One scripted answer of the dialect to one bounded request. */
    @FunctionalInterface
    interface Answer {
        boolean answer(LockRequest request) throws SQLException;
    }

    private final Deque<Answer> answers = new ArrayDeque<>();
    private final List<Long> timeoutsAsked = new ArrayList<>();
    private Boolean heldAnswer;
    private int heldAsked;
    private int unlocks;
    /** What the scripted unlock answers: true, false, or an exception to throw. */
    private Object unlockAnswer = true;

    private final DialectLock scripted = new DialectLock() {
        @Override
        public Object databaseKey() {
            return "k";
        }

        @Override
        public boolean request(Connection connection, LockRequest request) throws SQLException {
            Answer next = answers.poll();
            assertThat(next).as("a request beyond the script").isNotNull();
            return next.answer(request);
        }

        @Override
        public boolean unlock(Connection connection) throws SQLException {
            unlocks++;
            if (unlockAnswer instanceof SQLException e) {
                throw e;
            }
            return (Boolean) unlockAnswer;
        }

        @Override
        public boolean isHeld(Connection connection) throws SQLException {
            heldAsked++;
            if (heldAnswer == null) {
                throw new SQLException("connection reset", "08006");
            }
            return heldAnswer;
        }
    };

    private final FakeConnection fake = new FakeConnection("FakeDB", "1.0");

    private DistributedLock lock() {
        return new JdbcDistributedLock(fake.connection, ConnectionState.of(fake.connection), "ScriptDB",
                LockKey.of("k"), LockOptions.DEFAULT, scripted);
    }

    @AfterEach
    void everyScriptedAnswerWasUsed() {
        Thread.interrupted();
        assertThat(answers).as("answers the API never asked for").isEmpty();
    }

    /** The database waits the bound it was given (in milliseconds, at most {@code maxMillis}), then says no. */
    private Answer waitsThenRefuses(long maxMillis) {
        return request -> {
            long millis = request.timeout(TimeUnit.MILLISECONDS, maxMillis);
            timeoutsAsked.add(millis);
            parkMillis(millis);
            return false;
        };
    }

    private Answer grants() {
        return request -> {
            timeoutsAsked.add(request.timeout(TimeUnit.MILLISECONDS, 1000));
            return true;
        };
    }

    @Test
    void acquireAsksAgainUntilGrantedAndNeverReturnsWithoutTheLock() {
        answers.add(waitsThenRefuses(5));
        answers.add(waitsThenRefuses(5));
        answers.add(grants());
        DistributedLock lock = lock();
        assertThat(lock.acquire()).isSameAs(lock);
        assertThat(lock.isLocked()).isTrue();
        assertThat(timeoutsAsked).as("a wait without a deadline asks the dialect's longest, every time")
                .containsExactly(5L, 5L, 1000L);
    }

    @Test
    void aTimedWaitIsCutIntoRequestsThatEndAtTheDeadline() {
        for (int i = 0; i < 10; i++) {
            answers.add(waitsThenRefuses(20));
        }
        DistributedLock lock = lock();
        assertThat(lock.tryAcquire(Duration.ofMillis(45))).isFalse();
        answers.clear(); // how many were needed depends on how late the scripted waits woke up
        assertThat(timeoutsAsked).hasSizeBetween(2, 3);
        int last = timeoutsAsked.size() - 1;
        assertThat(timeoutsAsked.subList(0, last)).as("the dialect's longest while more is left").containsOnly(20L);
        assertThat(timeoutsAsked.get(last)).as("then the rest, rounded up").isBetween(1L, 20L);
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void acquireWithATimeoutThrowsWithTheTimeoutAndTheTimeWaited() {
        answers.add(waitsThenRefuses(1000));
        assertThatThrownBy(() -> lock().acquire(Duration.ofMillis(30)))
                .isInstanceOfSatisfying(LockTimeoutException.class, e -> {
                    assertThat(e.timeout()).isEqualTo(Duration.ofMillis(30));
                    assertThat(e.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(30));
                })
                .hasMessageContaining("ScriptDB").hasMessageContaining("30.0 ms");
    }

    @Test
    void notGrantedLongBeforeTheBoundIsAnErrorNotASpin() {
        answers.add(request -> {
            request.timeout(TimeUnit.MILLISECONDS, 3_600_000);
            return false; // "timed out" at once, although given an hour
        });
        DistributedLock lock = lock();
        assertThatThrownBy(lock::acquire).isInstanceOf(DistributedLockException.class)
                .hasMessageContaining("answered \"not granted\"").hasMessageContaining("3600000.0 ms");
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void aFailedWaitThatWasGrantedAnywayIsKept() {
        heldAnswer = true;
        answers.add(request -> {
            request.timeout(TimeUnit.MILLISECONDS, 1000);
            throw new SQLException("lock timeout", "55P03");
        });
        DistributedLock lock = lock();
        assertThat(lock.tryAcquire(Duration.ofSeconds(1))).isTrue();
        assertThat(heldAsked).isEqualTo(1);
        assertThat(lock.isLocked()).isTrue();
    }

    @Test
    void aFailedWaitThatWasNotGrantedIsAnErrorWithTheDriversCause() {
        heldAnswer = false;
        SQLException failure = new SQLException("deadlock found", "40001", 3058);
        answers.add(request -> {
            request.timeout(TimeUnit.MILLISECONDS, 1000);
            throw failure;
        });
        assertThatThrownBy(() -> lock().tryAcquire(Duration.ofSeconds(1)))
                .isInstanceOf(DistributedLockException.class).hasCause(failure)
                .hasMessageContaining("deadlock found");
        assertThat(heldAsked).isEqualTo(1);
    }

    @Test
    void aFailedWaitWhoseGrantCannotBeCheckedSaysSo() {
        heldAnswer = null; // the check fails too
        SQLException failure = new SQLException("I/O error", "08006");
        answers.add(request -> {
            request.timeout(TimeUnit.MILLISECONDS, 1000);
            throw failure;
        });
        assertThatThrownBy(() -> lock().acquire()).isInstanceOf(DistributedLockException.class).hasCause(failure)
                .hasMessageContaining("cannot be told");
        assertThat(failure.getSuppressed()).hasSize(1);
    }

    @Test
    void aOneAttemptFailureIsNotChecked() {
        SQLException failure = new SQLException("syntax", "42000");
        answers.add(request -> {
            throw failure;
        });
        assertThatThrownBy(() -> lock().tryAcquire()).isInstanceOf(DistributedLockException.class).hasCause(failure);
        assertThat(heldAsked).as("a try that failed was not granted").isZero();
    }

    @Test
    void aGrantThatRacedAnInterruptIsGivenBackAndTheFlagKept() {
        answers.add(request -> {
            Thread.currentThread().interrupt(); // the interrupt lands as the database grants
            return true;
        });
        DistributedLock lock = lock();
        assertThatThrownBy(lock::acquire).isInstanceOf(LockInterruptedException.class)
                .hasMessageContaining("interrupted");
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        assertThat(unlocks).isEqualTo(1);
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void aGrantGivenBackAfterAnInterruptThatWasGoneAlreadyIsSaidSo() {
        unlockAnswer = false;
        answers.add(request -> {
            Thread.currentThread().interrupt();
            return true;
        });
        assertThatThrownBy(lock()::acquire).isInstanceOf(LockInterruptedException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
                        .isInstanceOfSatisfying(LockLostException.class,
                                lost -> assertThat(lost.reason()).isEqualTo(Reason.NOT_HELD))
                        .satisfies(lost -> assertThat(lost).hasMessageContaining("was gone when given back")));
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }

    @Test
    void aGrantThatCouldNotBeGivenBackAfterAnInterruptCarriesTheFailure() {
        SQLException failure = new SQLException("connection reset", "08006");
        unlockAnswer = failure;
        answers.add(request -> {
            Thread.currentThread().interrupt();
            return true;
        });
        assertThatThrownBy(lock()::acquire).isInstanceOf(LockInterruptedException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(failure));
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }

    @Test
    void anInterruptedWaitWhoseGrantCannotBeCheckedCarriesBothFailures() {
        heldAnswer = null; // the check fails too
        SQLException failure = new SQLException("I/O error", "08006");
        answers.add(request -> {
            Thread.currentThread().interrupt();
            throw failure;
        });
        assertThatThrownBy(lock()::acquire).isInstanceOf(LockInterruptedException.class).hasCause(failure)
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement().asString()
                        .contains("connection reset"));
        assertThat(heldAsked).isEqualTo(1);
        assertThat(unlocks).as("nothing known to be granted, nothing given back").isZero();
    }

    /**
     * A driver that swallows the interrupt flag as its statement is cancelled: the cancel mechanism saw the
     * interrupt, so the wait still ends interrupted, and the flag is set again for the caller.
     */
    @Test
    void anInterruptADriverSwallowedStillEndsTheWaitAndIsGivenBackToTheCaller() throws Exception {
        heldAnswer = false;
        SQLException cancelled = new SQLException("canceling statement due to user request", "57014");
        CountDownLatch waiting = new CountDownLatch(1);
        answers.add(request -> {
            request.timeout(TimeUnit.MILLISECONDS, 3_600_000);
            return request.cancellable(statementBlockingUntilCancelled(), () -> {
                waiting.countDown();
                while (true) {
                    try {
                        if (statementCancelled.await(SANITY_SECONDS, TimeUnit.SECONDS)) {
                            break;
                        }
                        throw new AssertionError("never cancelled");
                    } catch (InterruptedException e) {
                        // the driver swallows the interrupt, as a socket read's loop may
                    }
                }
                Thread.interrupted();
                throw cancelled;
            });
        });
        DistributedLock lock = lock();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        CompletableFuture<Boolean> flagAfter = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                lock.acquire();
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            } finally {
                flagAfter.complete(Thread.currentThread().isInterrupted());
            }
        });
        thread.start();
        assertThat(waiting.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        thread.interrupt();
        assertThat(outcome.get(SANITY_SECONDS, TimeUnit.SECONDS)).isInstanceOf(LockInterruptedException.class)
                .hasCause(cancelled).hasMessageContaining("interrupted");
        assertThat(flagAfter.get(SANITY_SECONDS, TimeUnit.SECONDS)).as("the flag is given back").isTrue();
    }

    @Test
    void anInterruptedThreadIsRefusedBeforeAnyRequestButATryIsNot() {
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> lock().acquire()).isInstanceOf(LockInterruptedException.class);
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        answers.add(grants());
        assertThat(lock().tryAcquire()).as("one attempt does not wait, so it does not answer interrupts").isTrue();
    }

    @Test
    void theDeadlineCutIsATimeoutAfterAskingWhetherTheGrantCrossedIt() {
        heldAnswer = false;
        answers.add(request -> {
            request.timeout(TimeUnit.SECONDS, 3600); // the database's whole second would end too late
            return request.cancellableUntilDeadline(statementBlockingUntilCancelled(), () -> {
                awaitCancel();
                throw new SQLException("ORA-01013: user requested cancel of current operation", "72000", 1013);
            });
        });
        DistributedLock lock = lock();
        assertThat(lock.tryAcquire(Duration.ofMillis(30))).isFalse();
        assertThat(heldAsked).isEqualTo(1);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aDeadlineCutThatCrossedTheGrantKeepsTheLock() {
        heldAnswer = true;
        answers.add(request -> {
            request.timeout(TimeUnit.SECONDS, 3600);
            return request.cancellableUntilDeadline(statementBlockingUntilCancelled(), () -> {
                awaitCancel();
                return null; // MariaDB's NULL, say: the cancel came, but so had the grant
            }) != null;
        });
        assertThat(lock().tryAcquire(Duration.ofMillis(30))).isTrue();
    }

    @Test
    void theCallersCancelIsACancelNotAnInterrupt() throws Exception {
        heldAnswer = false;
        CountDownLatch waiting = new CountDownLatch(1);
        answers.add(request -> {
            request.timeout(TimeUnit.MILLISECONDS, 3_600_000);
            return request.cancellable(statementBlockingUntilCancelled(), () -> {
                waiting.countDown();
                awaitCancel();
                throw new SQLException("canceling statement due to user request", "57014");
            });
        });
        JdbcDistributedLock lock = (JdbcDistributedLock) lock();
        PendingRequest request = PendingRequest.untilHeld();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                lock.attempt(request);
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(Thread.currentThread().isInterrupted() ? new AssertionError("flag set", e) : e);
            }
        });
        thread.start();
        assertThat(waiting.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        request.cancel();
        assertThat(outcome.get(SANITY_SECONDS, TimeUnit.SECONDS)).isInstanceOf(LockInterruptedException.class)
                .hasMessageContaining("cancelled");
    }

    // ----- a statement that blocks until cancelled

    private final CountDownLatch statementCancelled = new CountDownLatch(1);

    private Statement statementBlockingUntilCancelled() {
        return (Statement) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Statement.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("cancel")) {
                        statementCancelled.countDown();
                    }
                    return null;
                });
    }

    private void awaitCancel() {
        try {
            assertThat(statementCancelled.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void parkMillis(long millis) {
        // the scripted database's own wait, not synchronisation
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long left;
        while ((left = until - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
