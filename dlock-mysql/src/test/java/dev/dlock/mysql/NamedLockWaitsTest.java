package dev.dlock.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dlock.DistributedLock;
import dev.dlock.LockInterruptedException;
import dev.dlock.Locks;
import dev.dlock.tck.MariaDbDatabase;
import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Timed and interrupted waits on MariaDB through both drivers. The timing bounds are loose sanity checks (a
 * whole-second rounding would break them, jitter would not); precise numbers belong to dlock-bench.
 */
class NamedLockWaitsTest {
    private static final long SANITY_SECONDS = 30;

    static Stream<TestDatabase> drivers() {
        return Stream.of(MariaDbDatabase.instance().throughMariaDbDriver(), MariaDbDatabase.instance().throughConnectorJ());
    }

    @ParameterizedTest
    @MethodSource("drivers")
    void subSecondTimeoutsAreNotRoundedToWholeSeconds(TestDatabase database) throws Exception {
        String name = "waits-" + System.nanoTime();
        try (Connection holding = database.connect(); Connection waiting = database.connect()) {
            Locks.forConnection(holding, name).acquire();
            DistributedLock waiter = Locks.forConnection(waiting, name);
            for (Duration timeout : new Duration[] {Duration.ofMillis(300), Duration.ofMillis(1300)}) {
                long start = System.nanoTime();
                assertThat(waiter.tryAcquire(timeout)).isFalse();
                Duration waited = Duration.ofNanos(System.nanoTime() - start);
                assertThat(waited).as("waited for %s", timeout).isGreaterThanOrEqualTo(timeout)
                        .isLessThan(timeout.plusMillis(600));
            }
        }
    }

    /**
     * The interrupt lands while the holder lets go, again and again: whichever wins, the waiter ends holding
     * nothing it does not know of, and its connection runs the next statements without a stray KILL QUERY.
     */
    @ParameterizedTest
    @MethodSource("drivers")
    void interruptRacingTheGrantLeavesTheConnectionCleanAndNothingHeld(TestDatabase database) throws Exception {
        String name = "race-" + System.nanoTime();
        try (Connection holding = database.connect(); Connection waiting = database.connect();
             Connection observer = database.connect()) {
            DistributedLock holder = Locks.forConnection(holding, name);
            DistributedLock waiter = Locks.forConnection(waiting, name);
            for (int round = 0; round < 15; round++) {
                holder.acquire();
                AtomicReference<Thread> thread = new AtomicReference<>();
                CompletableFuture<String> outcome = CompletableFuture.supplyAsync(() -> {
                    thread.set(Thread.currentThread());
                    try {
                        waiter.acquire();
                        return "acquired";
                    } catch (LockInterruptedException e) {
                        return "interrupted";
                    } finally {
                        Thread.interrupted();
                    }
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SANITY_SECONDS);
                while (NamedLockServerView.waiters(observer, name) == 0) {
                    // a stray KILL QUERY from the previous round would end this wait before it shows
                    assertThat(outcome).as("round %d: the waiter ended before waiting", round).isNotDone();
                    assertThat(System.nanoTime()).as("the waiter shows on the server").isLessThan(deadline);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                thread.get().interrupt();
                holder.release();
                String result = outcome.get(SANITY_SECONDS, TimeUnit.SECONDS);
                assertThat(waiter.isLocked()).isEqualTo(result.equals("acquired"));
                for (int i = 0; i < 5; i++) {
                    try (Statement statement = waiting.createStatement();
                         ResultSet rs = statement.executeQuery("SELECT 1")) {
                        assertThat(rs.next()).isTrue();
                    }
                }
                if (waiter.isLocked()) {
                    waiter.release();
                }
                assertThat(NamedLockServerView.isFree(observer, name)).as("round %d: %s", round, result).isTrue();
            }
        }
    }
}
