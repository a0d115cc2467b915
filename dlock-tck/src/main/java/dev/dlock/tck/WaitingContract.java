package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DistributedLock;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockTimeoutException;
import dev.dlock.Locks;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Waits that end without the lock: timeouts that are exact, checked and leave nothing behind, and interrupts that
 * cancel the server's wait, keep the thread's flag and leave the caller's transaction usable.
 */
public abstract class WaitingContract extends DialectFixture {
    private static final String PROBE = "dlock_probe";

    @Test
    void zeroTimeoutIsOneAttempt() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        DistributedLock other = Locks.forConnection(connect(), key);
        assertThat(other.tryAcquire(Duration.ZERO)).isTrue();
        other.release();
        holder.acquire();
        assertThat(other.tryAcquire(Duration.ZERO)).isFalse();
        assertThatThrownBy(() -> other.acquire(Duration.ZERO)).isInstanceOf(LockTimeoutException.class);
        holder.release();
    }

    @Test
    void timedAcquireThrowsAfterTheTimeoutAndHoldsNothing() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        DistributedLock other = Locks.forConnection(connect(), key);
        holder.acquire();
        Duration timeout = Duration.ofMillis(200);
        assertThatThrownBy(() -> other.acquire(timeout))
                .isInstanceOfSatisfying(LockTimeoutException.class, e -> {
                    assertThat(e.timeout()).isEqualTo(timeout);
                    assertThat(e.waited()).isGreaterThanOrEqualTo(timeout).isLessThan(SANITY);
                    assertThat(e.getMessage()).contains(other.key().toString(), "200.0 ms");
                });
        assertThat(other.isLocked()).isFalse();
        holder.release();
        assertThat(isLockedOnServer(holder)).isFalse();
    }

    @Test
    void timedTryAcquireGetsLockReleasedDuringTheWait() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        DistributedLock waiter = Locks.forConnection(connect(), key);
        holder.acquire();
        Future<Boolean> waiting = inThread(() -> waiter.tryAcquire(SANITY));
        awaitWaiter(holder);
        holder.release();
        assertThat(result(waiting)).isTrue();
        waiter.release();
    }

    @Test
    void negativeOrNullTimeoutIsRefusedBeforeAnySql() throws Exception {
        StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
        DistributedLock lock = Locks.forConnection(counting.connection(), uniqueKey());
        assertThatThrownBy(() -> lock.tryAcquire(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        assertThatThrownBy(() -> lock.acquire(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lock.tryAcquire(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> lock.acquire(null)).isInstanceOf(NullPointerException.class);
        assertThat(counting.statements()).isZero();
        assertThat(lock.isLocked()).isFalse();
        assertThat(isLockedOnServer(lock)).isFalse();
    }

    @Test
    void timeoutInsideTransactionLeavesItUsable() throws Exception {
        String key = uniqueKey();
        createProbeTable(PROBE);
        int id = uniqueNumber();
        DistributedLock holder = Locks.forConnection(connect(), key);
        holder.acquire();
        Connection caller = connect();
        caller.setAutoCommit(false);
        insertProbe(caller, PROBE, id);
        DistributedLock other = Locks.forConnection(caller, key);
        assertThat(other.tryAcquire(Duration.ofMillis(100))).isFalse();
        assertThatThrownBy(() -> other.acquire(Duration.ofMillis(50))).isInstanceOf(LockTimeoutException.class);
        insertProbe(caller, PROBE, id);
        caller.commit();
        assertThat(probeRows(PROBE, id)).isEqualTo(2);
        holder.release();
    }

    @Test
    void interruptCancelsTheWaitAndKeepsTheFlag() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        Connection waiting = connect();
        DistributedLock waiter = Locks.forConnection(waiting, key);
        holder.acquire();
        AtomicReference<Thread> thread = new AtomicReference<>();
        Future<Boolean> outcome = inThread(() -> {
            thread.set(Thread.currentThread());
            try {
                waiter.acquire();
                return false;
            } catch (LockInterruptedException expected) {
                return Thread.currentThread().isInterrupted();
            }
        });
        awaitWaiter(holder);
        thread.get().interrupt();
        assertThat(result(outcome)).as("LockInterruptedException with the flag restored").isTrue();
        assertThat(waiter.isLocked()).isFalse();
        awaitServer("the cancelled wait gone", () -> waitersOnServer(holder) == 0);
        assertThat(isUsable(waiting)).isTrue();
        holder.release();
        assertThat(isLockedOnServer(holder)).as("the waiter holds nothing").isFalse();
        assertThat(waiter.tryAcquire()).isTrue();
        waiter.release();
    }

    @Test
    void interruptedThreadIsRefusedBeforeWaiting() throws Exception {
        StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
        DistributedLock lock = Locks.forConnection(counting.connection(), uniqueKey());
        Future<Boolean> outcome = inThread(() -> {
            Thread.currentThread().interrupt();
            try {
                lock.acquire();
                return false;
            } catch (LockInterruptedException expected) {
                return Thread.currentThread().isInterrupted();
            }
        });
        assertThat(result(outcome)).isTrue();
        assertThat(counting.statements()).isZero();
        assertThat(isLockedOnServer(lock)).isFalse();
    }

    @Test
    void interruptInsideTransactionLeavesItUsable() throws Exception {
        String key = uniqueKey();
        createProbeTable(PROBE);
        int id = uniqueNumber();
        DistributedLock holder = Locks.forConnection(connect(), key);
        holder.acquire();
        Connection caller = connect();
        caller.setAutoCommit(false);
        insertProbe(caller, PROBE, id);
        DistributedLock waiter = Locks.forConnection(caller, key);
        AtomicReference<Thread> thread = new AtomicReference<>();
        CompletableFuture<Void> started = new CompletableFuture<>();
        Future<Class<?>> outcome = inThread(() -> {
            thread.set(Thread.currentThread());
            started.complete(null);
            try {
                waiter.acquire(SANITY);
                return null;
            } catch (RuntimeException e) {
                return e.getClass();
            }
        });
        started.get();
        awaitWaiter(holder);
        thread.get().interrupt();
        assertThat(result(outcome)).isEqualTo(LockInterruptedException.class);
        insertProbe(caller, PROBE, id);
        caller.commit();
        assertThat(probeRows(PROBE, id)).isEqualTo(2);
        holder.release();
    }
}
