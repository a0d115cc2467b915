package dev.dlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.AsyncDistributedLock;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockKey;
import dev.dlock.LockOptions;
import dev.dlock.internal.FakeDialects.FakeConnection;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockRequest;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What cancelling a {@link CompletableFuture} of the async view does to the lock request behind it: before it
 * starts, while the database waits, and as the lock is granted. The dialect is scripted; its wait is a statement
 * that blocks until cancelled, as a lock wait on a server does.
 */
class AsyncLockTest {
    private static final long SANITY_SECONDS = 30;

    private final FakeConnection fake = new FakeConnection("FakeDB", "1.0");
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger unlocks = new AtomicInteger();
    private final CountDownLatch waiting = new CountDownLatch(1);
    private final CountDownLatch statementCancelled = new CountDownLatch(1);
    /** What the dialect does when asked; by default it waits in a statement until that is cancelled. */
    private volatile Request onRequest = this::waitUntilCancelled;

    @FunctionalInterface
    interface Request {
        boolean request(LockRequest request) throws SQLException;
    }

    private final JdbcDistributedLock lock = new JdbcDistributedLock(fake.connection,
            ConnectionState.of(fake.connection), "ScriptDB", LockKey.of("k"), LockOptions.DEFAULT, new DialectLock() {
                private volatile boolean held;

                @Override
                public Object databaseKey() {
                    return "k";
                }

                @Override
                public boolean request(Connection connection, LockRequest request) throws SQLException {
                    requests.incrementAndGet();
                    held = onRequest.request(request);
                    return held;
                }

                @Override
                public boolean unlock(Connection connection) {
                    unlocks.incrementAndGet();
                    boolean was = held;
                    held = false;
                    return was;
                }

                @Override
                public boolean isHeld(Connection connection) {
                    return held;
                }
            });

    private boolean waitUntilCancelled(LockRequest request) throws SQLException {
        return request.cancellable(statementBlockingUntilCancelled(), () -> {
            waiting.countDown();
            try {
                assertThat(statementCancelled.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            throw new SQLException("canceling statement due to user request", "57014");
        });
    }

    @Test
    void aFutureCancelledBeforeItsTurnAsksNothing() {
        Deque<Runnable> queued = new ArrayDeque<>();
        AsyncDistributedLock async = lock.async(queued::add);
        CompletableFuture<Boolean> attempt = async.tryAcquire();
        CompletableFuture<AsyncDistributedLock> waited = async.acquire(Duration.ofSeconds(1));
        assertThat(attempt.cancel(true)).isTrue();
        assertThat(waited.cancel(true)).isTrue();
        queued.forEach(Runnable::run);
        assertThat(requests).as("nothing was asked").hasValue(0);
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void cancellingTheFutureOfAWaitCancelsTheWaitOnTheServer() throws Exception {
        CompletableFuture<AsyncDistributedLock> acquired = lock.async().acquire();
        assertThat(waiting.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(acquired.cancel(true)).isTrue();
        assertThat(statementCancelled.await(SANITY_SECONDS, TimeUnit.SECONDS)).as("the server's wait cancelled")
                .isTrue();
        assertThat(acquired).isCancelled();
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void aTimedWaitWhoseFutureIsCancelledEndsAsCancelled() throws Exception {
        CompletableFuture<Boolean> attempt = lock.async().tryAcquire(Duration.ofSeconds(SANITY_SECONDS));
        assertThat(waiting.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        attempt.cancel(false);
        assertThat(statementCancelled.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(attempt).isCancelled();
    }

    @Test
    void aLockGrantedAsItsFutureWasCancelledIsGivenBack() throws Exception {
        AtomicReference<CompletableFuture<Boolean>> future = new AtomicReference<>();
        CountDownLatch published = new CountDownLatch(1);
        onRequest = request -> {
            awaitUninterruptibly(published);
            future.get().cancel(true); // one attempt does not wait, so the cancel does not stop it
            return true;
        };
        CompletableFuture<Boolean> closed = new CompletableFuture<>();
        future.set(lock.async(task -> CompletableFuture.runAsync(() -> {
            task.run();
            closed.complete(lock.isLocked());
        })).tryAcquire());
        published.countDown();
        assertThat(closed.get(SANITY_SECONDS, TimeUnit.SECONDS)).as("still held after the cancelled attempt")
                .isFalse();
        assertThat(unlocks).hasValue(1);
        assertThat(future.get()).isCancelled();
    }

    @Test
    void aFutureAlreadyCompletedIsNotCancelled() throws Exception {
        onRequest = request -> true;
        CompletableFuture<Boolean> attempt = lock.async().tryAcquire();
        assertThat(attempt.get(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(attempt.cancel(true)).as("too late: the lock is held").isFalse();
        assertThat(attempt).isNotCancelled();
        assertThat(lock.isLocked()).isTrue();
        lock.release();
    }

    @Test
    void aFailedRequestFailsItsFuture() {
        SQLException failure = new SQLException("syntax error", "42601");
        onRequest = request -> {
            throw failure;
        };
        assertThatThrownBy(() -> lock.async().tryAcquire().get(SANITY_SECONDS, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasRootCause(failure);
        onRequest = request -> {
            Thread.currentThread().interrupt();
            return false;
        };
        assertThatThrownBy(() -> lock.async().acquire().get(SANITY_SECONDS, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(LockInterruptedException.class);
    }

    @Test
    void badTimeoutsAreRefusedOnTheCallersThread() {
        AsyncDistributedLock async = lock.async(task -> {
            throw new AssertionError("nothing may be run");
        });
        assertThatThrownBy(() -> async.acquire(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> async.tryAcquire(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> async.acquire(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> lock.async(null)).isInstanceOf(NullPointerException.class);
    }

    // ----- a statement that blocks until cancelled

    private Statement statementBlockingUntilCancelled() {
        return (Statement) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Statement.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("cancel")) {
                        statementCancelled.countDown();
                    }
                    return null;
                });
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            assertThat(latch.await(SANITY_SECONDS, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
