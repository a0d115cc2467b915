package dev.dlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DistributedLock;
import dev.dlock.DistributedLockException;
import dev.dlock.LockKey;
import dev.dlock.LockNotHeldException;
import dev.dlock.LockOptions;
import dev.dlock.Locks;
import dev.dlock.internal.FakeDialects.FakeConnection;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a lock over several keys does around its keys' locks, on the {@link FakeDialects}: the order it takes them
 * in, all or none, and the release of every key whatever the others do. Its behaviour on real databases is
 * {@code MultiKeyContract}'s.
 */
class MultiKeyLockTest {
    private final FakeConnection connection = new FakeConnection("FakeDB", "1.0");

    @AfterEach
    void nothingStaysHeld() {
        synchronized (FakeDialects.SERVER) {
            FakeDialects.SERVER.clear();
        }
    }

    private static List<String> held() {
        synchronized (FakeDialects.SERVER) {
            return FakeDialects.SERVER.stream().map(String::valueOf).sorted().toList();
        }
    }

    @Test
    void keysAreTakenInTheOrderOfTheirDatabaseKeysWhateverOrderTheyCameIn() {
        DistributedLock lock = Locks.forConnection(connection.connection, List.of("c", LockKey.of("a"), "b"));
        assertThat(lock.keys()).containsExactly(LockKey.of("a"), LockKey.of("b"), LockKey.of("c"));
        assertThat(lock.key()).isEqualTo(LockKey.of("a"));
        assertThat(lock.databaseKey()).as("the fake dialect locks the key's text")
                .isEqualTo(List.of(LockKey.of("a").toString(), LockKey.of("b").toString(), LockKey.of("c").toString()));
        assertThat(lock.dialect()).isEqualTo("FakeDB");
        assertThat(lock.options()).isEqualTo(LockOptions.DEFAULT);
        assertThat(lock.toString()).contains("lock on 3 keys").endsWith("[not held]");
        assertThat(lock.tryAcquire()).isTrue();
        assertThat(held()).hasSize(3);
        assertThat(lock.isLocked()).isTrue();
        assertThat(lock.isHeldOnServer()).isTrue();
        assertThat(lock.isHeldOnServer(Duration.ofSeconds(1))).isTrue();
        assertThatThrownBy(lock::tryAcquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("already held");
        lock.release();
        assertThat(held()).isEmpty();
        assertThat(lock.isLocked()).isFalse();
        assertThatThrownBy(lock::release).isInstanceOf(LockNotHeldException.class);
        lock.close(); // nothing held: nothing to do
    }

    @Test
    void theOrderOfNumbersIsByValueNotByText() {
        assertThat(MultiKeyLock.DATABASE_KEY_ORDER.compare(9L, 10L)).isNegative();
        assertThat(MultiKeyLock.DATABASE_KEY_ORDER.compare(-1L, 2L)).isNegative();
        assertThat(MultiKeyLock.DATABASE_KEY_ORDER.compare(10L, 9L)).isPositive();
        assertThat(MultiKeyLock.DATABASE_KEY_ORDER.compare("b", "a")).isPositive();
        assertThat(MultiKeyLock.DATABASE_KEY_ORDER.compare("a", "a")).isZero();
    }

    @Test
    void aKeyHeldElsewhereGivesBackTheKeysTakenBeforeIt() {
        // "a" then "busy": a is taken, busy refused, a given back
        DistributedLock lock = Locks.forConnection(connection.connection, List.of("busy", "a"));
        assertThat(lock.tryAcquire()).isFalse();
        assertThat(held()).isEmpty();
        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.isHeldOnServer()).isFalse();
    }

    @Test
    void aFailingKeyGivesBackTheKeysTakenBeforeItAndItsErrorIsThrown() {
        DistributedLock lock = Locks.forConnection(connection.connection, List.of("broken", "a"));
        assertThatThrownBy(lock::tryAcquire).isInstanceOf(DistributedLockException.class)
                .hasMessageContaining("connection reset");
        assertThat(held()).as("a given back").isEmpty();
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void aFailingReleaseStillReleasesTheOtherKeysAndIsThrown() {
        DistributedLock lock = Locks.forConnection(connection.connection, List.of("a", "stuck", "b"));
        assertThat(lock.tryAcquire()).isTrue();
        assertThatThrownBy(lock::release).isInstanceOf(DistributedLockException.class);
        assertThat(held()).as("a and b released; stuck failed").containsExactly(LockKey.of("stuck").toString());
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void badSetsAreRefusedBeforeAnythingIsSent() {
        List<String> before = held(); // other test classes may leave keys on the fake server
        assertThatThrownBy(() -> Locks.forConnection(connection.connection, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one key");
        assertThatThrownBy(() -> Locks.forConnection(connection.connection, List.of("a", LockKey.of("a"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one database lock");
        assertThatThrownBy(() -> Locks.forConnection(connection.connection, List.of("a", 1L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Long");
        assertThatThrownBy(() -> Locks.forConnection(connection.connection, Arrays.asList("a", null)))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Locks.forConnection(connection.connection, List.of("a", "x".repeat(21))))
                .as("the dialect's own check of each key").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 20");
        assertThatThrownBy(() -> Locks.forConnection(connection.connection, (List<String>) null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Locks.forConnection(connection.connection, List.of("a"), null))
                .isInstanceOf(NullPointerException.class);
        assertThat(connection.statements).hasValue(0);
        assertThat(held()).isEqualTo(before);
    }

    @Test
    void aWatchIsOfTheWholeSetAndNeedsItHeld() {
        DistributedLock lock = Locks.forConnection(connection.connection, List.of("a", "b"));
        assertThatThrownBy(() -> lock.watch(Duration.ofSeconds(1), lost -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("nothing to watch");
        assertThatThrownBy(() -> lock.isHeldOnServer(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
