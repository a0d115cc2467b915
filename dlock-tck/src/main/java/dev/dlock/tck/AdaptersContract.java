package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dlock.AsyncDistributedLock;
import dev.dlock.DistributedLock;
import dev.dlock.LockAlreadyHeldException;
import dev.dlock.LockMode;
import dev.dlock.LockTimeoutException;
import dev.dlock.Locks;
import dev.dlock.UnsupportedLockOptionException;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import org.junit.jupiter.api.Test;

/**
 * The lock seen through its other faces: the {@link java.util.concurrent.CompletableFuture} form and the
 * {@link java.util.concurrent.locks.Lock} and {@link java.util.concurrent.locks.ReadWriteLock} adapters.
 */
public abstract class AdaptersContract extends DialectFixture {
    @Test
    void acquireCompletesHeldAndReleaseFrees() throws Exception {
        AsyncDistributedLock lock = Locks.forConnection(connect(), uniqueKey()).async();
        assertThat(lock.acquire().get(SANITY.toSeconds(), TimeUnit.SECONDS)).isSameAs(lock);
        assertThat(lock.isLocked()).isTrue();
        assertThat(isLockedOnServer(lock.lock())).isTrue();
        lock.release().get(SANITY.toSeconds(), TimeUnit.SECONDS);
        assertThat(isLockedOnServer(lock.lock())).isFalse();
    }

    @Test
    void busyKeyAnswersFalseOrTimesOut() throws Exception {
        String key = uniqueKey();
        Locks.forConnection(connect(), key).acquire();
        AsyncDistributedLock lock = Locks.forConnection(connect(), key).async(threads);
        assertThat(lock.tryAcquire().get()).isFalse();
        assertThat(lock.tryAcquire(Duration.ofMillis(50)).get()).isFalse();
        assertThatThrownBy(() -> lock.acquire(Duration.ofMillis(50)).get())
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(LockTimeoutException.class);
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void badArgumentsThrowAtOnce() throws Exception {
        AsyncDistributedLock lock = Locks.forConnection(connect(), uniqueKey()).async();
        assertThatThrownBy(() -> lock.acquire(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> lock.tryAcquire(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lock.lock().async(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void cancellingAPendingAcquireCancelsTheServerWaitAndHoldsNothing() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        holder.acquire();
        Connection waiting = connect();
        AsyncDistributedLock lock = Locks.forConnection(waiting, key).async(threads);
        CompletableFuture<AsyncDistributedLock> pending = lock.acquire();
        awaitWaiter(holder);
        assertThat(pending.cancel(true)).isTrue();
        awaitServer("the cancelled wait gone", () -> waitersOnServer(holder) == 0);
        holder.release();
        assertThat(isLockedOnServer(holder)).as("the cancelled request holds nothing").isFalse();
        assertThat(lock.isLocked()).isFalse();
        assertThat(isUsable(waiting)).isTrue();
        assertThat(lock.tryAcquire().get()).isTrue();
        lock.release().get();
    }

    @Test
    void secondRequestOnABusyConnectionIsRefused() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        holder.acquire();
        Connection shared = connect();
        AsyncDistributedLock first = Locks.forConnection(shared, key).async(threads);
        AsyncDistributedLock second = Locks.forConnection(shared, uniqueKey()).async(threads);
        CompletableFuture<AsyncDistributedLock> waiting = first.acquire();
        awaitWaiter(holder);
        assertThatThrownBy(() -> second.tryAcquire().get(SANITY.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("under way");
        assertThat(second.isLocked()).isFalse();
        holder.release();
        assertThat(waiting.get(SANITY.toSeconds(), TimeUnit.SECONDS).isLocked()).isTrue();
        first.release().get();
    }

    @Test
    void lockAndUnlock() throws Exception {
        DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
        Lock juc = lock.asLock();
        juc.lock();
        assertThat(isLockedOnServer(lock)).isTrue();
        juc.unlock();
        assertThat(isLockedOnServer(lock)).isFalse();
        assertThatThrownBy(juc::unlock).isInstanceOf(IllegalMonitorStateException.class);
        assertThatThrownBy(juc::newCondition).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void tryLockFormsOnABusyKey() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        Lock juc = Locks.forConnection(connect(), key).asLock();
        holder.acquire();
        assertThat(juc.tryLock()).isFalse();
        assertThat(juc.tryLock(50, TimeUnit.MILLISECONDS)).isFalse();
        holder.release();
        assertThat(juc.tryLock(-1, TimeUnit.SECONDS)).as("a negative time is one attempt").isTrue();
        juc.unlock();
    }

    @Test
    void lockInterruptiblyCancelsTheWaitAndThrowsInterruptedException() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        holder.acquire();
        DistributedLock waiter = Locks.forConnection(connect(), key);
        AtomicReference<Thread> thread = new AtomicReference<>();
        Future<String> outcome = inThread(() -> {
            thread.set(Thread.currentThread());
            try {
                waiter.asLock().lockInterruptibly();
                return "acquired";
            } catch (InterruptedException e) {
                return Thread.currentThread().isInterrupted() ? "flag still set" : "interrupted";
            }
        });
        awaitWaiter(holder);
        thread.get().interrupt();
        assertThat(result(outcome)).isEqualTo("interrupted");
        awaitServer("the cancelled wait gone", () -> waitersOnServer(holder) == 0);
        holder.release();
        assertThat(isLockedOnServer(holder)).isFalse();
    }

    @Test
    void lockWaitsThroughAnInterruptAndRestoresTheFlag() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        holder.acquire();
        DistributedLock waiter = Locks.forConnection(connect(), key);
        AtomicReference<Thread> thread = new AtomicReference<>();
        Future<Boolean> outcome = inThread(() -> {
            thread.set(Thread.currentThread());
            waiter.asLock().lock();
            return Thread.currentThread().isInterrupted();
        });
        awaitWaiter(holder);
        thread.get().interrupt();
        assertThat(outcome).isNotDone();
        holder.release();
        assertThat(result(outcome)).as("held, with the interrupt restored").isTrue();
        assertThat(isLockedOnServer(waiter)).isTrue();
        waiter.release();
    }

    @Test
    void readWriteLockSharesReadsAndExcludesWrites() throws Exception {
        assumeTrue(dialect().supportedModes().contains(LockMode.SHARED), "the dialect has no shared mode");
        String key = uniqueKey();
        ReadWriteLock one = Locks.readWriteLock(connect(), key);
        ReadWriteLock two = Locks.readWriteLock(connect(), key);
        ReadWriteLock three = Locks.readWriteLock(connect(), key);
        assertThat(one.readLock().tryLock()).isTrue();
        assertThat(two.readLock().tryLock()).isTrue();
        assertThat(three.writeLock().tryLock(50, TimeUnit.MILLISECONDS)).isFalse();
        assertThatThrownBy(() -> one.writeLock().tryLock()).as("no upgrade on one connection")
                .isInstanceOf(LockAlreadyHeldException.class);
        one.readLock().unlock();
        two.readLock().unlock();
        assertThat(three.writeLock().tryLock()).isTrue();
        assertThat(one.readLock().tryLock()).isFalse();
        three.writeLock().unlock();
    }

    @Test
    void readWriteLockIsRefusedWithoutSharedMode() throws Exception {
        assumeFalse(dialect().supportedModes().contains(LockMode.SHARED), "the dialect has a shared mode");
        assertThatThrownBy(() -> Locks.readWriteLock(connect(), uniqueKey()))
                .isInstanceOf(UnsupportedLockOptionException.class);
    }
}
