package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DistributedLock;
import dev.dlock.LockAlreadyHeldException;
import dev.dlock.LockKey;
import dev.dlock.LockNotHeldException;
import dev.dlock.LockOptions;
import dev.dlock.Locks;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Taking and giving back a lock on one connection, and two connections on one key: the server shows the lock exactly
 * while it is held, a second connection is refused or waits, and closing a connection frees its locks.
 */
public abstract class LockingContract extends DialectFixture {
    @Test
    void acquiredLockShowsOnServerUntilReleased() throws Exception {
        DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
        assertThat(isLockedOnServer(lock)).isFalse();
        lock.acquire();
        assertThat(lock.isLocked()).isTrue();
        assertThat(isLockedOnServer(lock)).isTrue();
        lock.release();
        assertThat(lock.isLocked()).isFalse();
        assertThat(isLockedOnServer(lock)).isFalse();
    }

    @Test
    void tryAcquireTakesFreeLock() throws Exception {
        DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
        assertThat(lock.tryAcquire()).isTrue();
        assertThat(isLockedOnServer(lock)).isTrue();
        lock.release();
        assertThat(isLockedOnServer(lock)).isFalse();
    }

    @Test
    void tryWithResourcesReleasesAtTheEnd() throws Exception {
        DistributedLock outside;
        try (DistributedLock lock = Locks.forConnection(connect(), uniqueKey()).acquire(Duration.ofSeconds(5))) {
            outside = lock;
            assertThat(isLockedOnServer(lock)).isTrue();
        }
        assertThat(outside.isLocked()).isFalse();
        assertThat(isLockedOnServer(outside)).isFalse();
    }

    @Test
    void lockCanBeTakenAgainAfterRelease() throws Exception {
        DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
        for (int i = 0; i < 3; i++) {
            assertThat(lock.tryAcquire()).isTrue();
            lock.release();
        }
        assertThat(isLockedOnServer(lock)).isFalse();
    }

    @Test
    void closeWhenNotHeldIsQuiet() throws Exception {
        DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
        lock.close();
        lock.acquire();
        lock.close();
        lock.close();
        assertThat(isLockedOnServer(lock)).isFalse();
    }

    @Test
    void releaseWhenNotHeldIsLockNotHeld() throws Exception {
        StatementCountingConnection counting = StatementCountingConnection.wrap(connect());
        DistributedLock lock = Locks.forConnection(counting.connection(), uniqueKey());
        assertThatThrownBy(lock::release).isInstanceOf(LockNotHeldException.class)
                .hasMessageContaining(lock.key().toString());
        lock.acquire();
        lock.release();
        int sent = counting.statements();
        assertThatThrownBy(lock::release).isInstanceOf(LockNotHeldException.class);
        assertThat(counting.statements()).isEqualTo(sent);
    }

    @Test
    void acquireOnHoldingObjectIsIllegalState() throws Exception {
        DistributedLock lock = Locks.forConnection(connect(), uniqueKey());
        lock.acquire();
        assertThatThrownBy(lock::acquire).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(lock::tryAcquire).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> lock.tryAcquire(Duration.ofMillis(10))).isInstanceOf(IllegalStateException.class);
        lock.release();
        assertThat(isLockedOnServer(lock)).isFalse();
    }

    @Test
    void secondLockObjectForHeldKeyOnSameConnectionIsRefused() throws Exception {
        Connection connection = connect();
        String key = uniqueKey();
        DistributedLock first = Locks.forConnection(connection, key);
        DistributedLock second = Locks.forConnection(connection, key);
        first.acquire();
        assertThatThrownBy(second::tryAcquire).isInstanceOf(LockAlreadyHeldException.class);
        assertThatThrownBy(second::acquire).isInstanceOf(LockAlreadyHeldException.class);
        assertThat(second.isLocked()).isFalse();
        first.release();
        // one release freed it: the refused attempts took nothing on the server
        assertThat(isLockedOnServer(first)).isFalse();
        assertThat(second.tryAcquire()).isTrue();
        second.release();
        assertThat(isLockedOnServer(second)).isFalse();
    }

    @Test
    void accessorsDescribeTheLock() throws Exception {
        String key = uniqueKey();
        DistributedLock lock = Locks.forConnection(connect(), key);
        assertThat(lock.key()).isEqualTo(LockKey.of(key));
        assertThat(lock.databaseKey()).isNotNull();
        assertThat(lock.options()).isEqualTo(LockOptions.DEFAULT);
        assertThat(lock.dialect()).isNotBlank();
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void longAndByteKeysLockTheirOwnDatabaseKey() throws Exception {
        Connection connection = connect();
        long number = 7_000_000L + uniqueNumber();
        DistributedLock byNumber = Locks.forConnection(connection, LockKey.of(number));
        DistributedLock byBytes = Locks.forConnection(connection, LockKey.of(uniqueKey().getBytes(StandardCharsets.UTF_8)));
        byNumber.acquire();
        byBytes.acquire();
        assertThat(isLockedOnServer(byNumber)).isTrue();
        assertThat(isLockedOnServer(byBytes)).isTrue();
        byNumber.release();
        byBytes.release();
        assertThat(isLockedOnServer(byNumber)).isFalse();
        assertThat(isLockedOnServer(byBytes)).isFalse();
    }

    @Test
    void secondConnectionCannotAcquireHeldKey() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        DistributedLock other = Locks.forConnection(connect(), key);
        holder.acquire();
        assertThat(other.tryAcquire()).isFalse();
        assertThat(other.tryAcquire(Duration.ofMillis(50))).isFalse();
        assertThat(other.isLocked()).isFalse();
        holder.release();
        assertThat(other.tryAcquire()).isTrue();
        other.release();
    }

    @Test
    void lockObjectOfAnotherConnectionCannotRelease() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        DistributedLock other = Locks.forConnection(connect(), key);
        holder.acquire();
        assertThatThrownBy(other::release).isInstanceOf(LockNotHeldException.class);
        assertThat(isLockedOnServer(holder)).isTrue();
        holder.release();
    }

    @Test
    void closingTheConnectionFreesTheLock() throws Exception {
        String key = uniqueKey();
        Connection holding = connect();
        DistributedLock holder = Locks.forConnection(holding, key);
        holder.acquire();
        holding.close();
        DistributedLock other = Locks.forConnection(connect(), key);
        assertThat(other.tryAcquire(SANITY)).isTrue();
        holder.close(); // quiet: the server already freed it with the session
        assertThat(holder.isLocked()).isFalse();
        other.release();
    }

    @Test
    void blockedAcquireGetsTheLockWhenReleased() throws Exception {
        String key = uniqueKey();
        DistributedLock holder = Locks.forConnection(connect(), key);
        DistributedLock waiter = Locks.forConnection(connect(), key);
        holder.acquire();
        Future<Boolean> waiting = inThread(() -> {
            waiter.acquire();
            return waiter.isLocked();
        });
        awaitWaiter(holder);
        assertThat(waiting).isNotDone();
        holder.release();
        assertThat(result(waiting)).isTrue();
        assertThat(isLockedOnServer(waiter)).isTrue();
        waiter.release();
    }
}
