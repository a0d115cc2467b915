package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dlock.DistributedLock;
import dev.dlock.LockLostException.Reason;
import dev.dlock.LockWatch;
import dev.dlock.Locks;
import dev.dlock.WatchOptions;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A holder's link cut for real, again and again: the database listens on a veth pair into a network namespace
 * ({@link NetworkPartition}), the holder's connection crosses it, and the cut drops every packet both ways while
 * closing nothing. The server's own TCP stack then sees the silence, as it would on a real network.
 *
 * <p>What it proves, over {@link #PARTITIONS} partitions: the holder's loss listener runs while the server still
 * shows the holder's session holding the lock (so before any other session can have been granted it), every
 * time; and a waiting session is granted the lock once the server has ended the silent session, within the
 * server-side bound where that bound covers data caught in flight by the cut ({@link
 * #serverBoundCoversDataInFlight()}); elsewhere the rounds freed only once the link came back are counted. Needs root and {@code ip netns}; skips with the reason where they are missing, unless
 * {@code DLOCK_TEST_PARTITION_REQUIRED} is set (CI sets it), which turns the skip into a failure.
 */
public abstract class PartitionContract {
    /** Partitions of a holder per run. */
    protected static final int PARTITIONS = 20;
    private static final Duration SANITY = Duration.ofSeconds(30);

    /** @return the dialect's view of its server's locks and sessions */
    protected abstract DialectUnderTest dialect();

    /** @return a server of this JVM listening on all addresses, so that the namespace's relay reaches it */
    protected abstract TestDatabase server();

    /** @return {@link #server()}'s TCP port */
    protected abstract int serverPort();

    /**
     * @param address where the relay listens
     * @return {@link #server()} reached through {@code address}
     */
    protected abstract TestDatabase serverAt(InetSocketAddress address);

    /** @return how the holder watches its lock */
    protected abstract WatchOptions holderWatch();

    /** @return the longest the server takes to end a silent session, from the cut */
    protected abstract Duration serverBound();

    /**
     * @return whether {@link #serverBound()} also holds when the cut catches data the server has sent but not yet
     *         seen acknowledged: with {@code tcp_user_timeout} (PostgreSQL's lease) it does; with keepalive alone the
     *         kernel retransmits instead, for as long as {@code net.ipv4.tcp_retries2} says (about 15 minutes by
     *         default), and the lock is freed when the link comes back
     */
    protected abstract boolean serverBoundCoversDataInFlight();

    /**
     * Sets the server up before the holders connect (a server-wide keepalive, say).
     *
     * @param admin a direct connection
     * @throws SQLException if it fails
     */
    protected void prepareServer(Connection admin) throws SQLException {
    }

    @Test
    void aCutHoldersListenerRunsBeforeAnyoneElseIsGrantedItsLockAndTheLockIsFreedWithinTheServersBound()
            throws Exception {
        Optional<String> unavailable = NetworkPartition.unavailable();
        if (System.getenv("DLOCK_TEST_PARTITION_REQUIRED") == null) {
            assumeTrue(unavailable.isEmpty(), () -> "no network namespaces here: " + unavailable.orElse(""));
        }
        assertThat(unavailable).as("network namespaces (DLOCK_TEST_PARTITION_REQUIRED is set)").isEmpty();
        String run = Long.toHexString(System.nanoTime() & 0xffffffL);
        List<Long> toldAfterCut = new ArrayList<>();
        List<Long> grantedAfterCut = new ArrayList<>();
        int toldFirst = 0;
        int violations = 0;
        int freedOnlyAfterHeal = 0;
        ExecutorService contenders = Executors.newCachedThreadPool();
        try (NetworkPartition partition = NetworkPartition.around(serverPort());
             Connection observer = server().connect();
             Connection witness = server().connect()) {
            prepareServer(observer);
            TestDatabase throughLink = serverAt(partition.clientAddress());
            for (int round = 0; round < PARTITIONS; round++) {
                String key = "partition-" + run + "-" + round;
                Connection holding = throughLink.connect();
                long session = dialect().sessionId(holding);
                DistributedLock holder = Locks.forConnection(holding, key).acquire();
                Object databaseKey = holder.databaseKey();
                CompletableFuture<Boolean> heldWhenTold = new CompletableFuture<>();
                CompletableFuture<Long> toldAt = new CompletableFuture<>();
                LockWatch watch = holder.watch(holderWatch(), lost -> {
                    toldAt.complete(System.nanoTime());
                    try {
                        // the server's view as the listener runs: still the holder's, or already someone else's
                        heldWhenTold.complete(dialect().isHeldBy(witness, databaseKey, session));
                    } catch (SQLException e) {
                        heldWhenTold.completeExceptionally(e);
                    }
                });
                Connection contending = server().connect();
                DistributedLock contender = Locks.forConnection(contending, key);
                CompletableFuture<Long> grantedAt = CompletableFuture.supplyAsync(() -> {
                    assertThat(contender.tryAcquire(SANITY)).as("the contender's grant").isTrue();
                    return System.nanoTime();
                }, contenders);
                new ServerCondition() {
                    @Override
                    public boolean holds() throws Exception {
                        return dialect().waitersOnServer(observer, databaseKey) == 1;
                    }
                }.await("the contender waiting for " + key, SANITY);

                long cutAt = System.nanoTime();
                partition.cut();
                long told = toldAt.get(SANITY.toSeconds(), TimeUnit.SECONDS);
                boolean stillHeld = heldWhenTold.get(SANITY.toSeconds(), TimeUnit.SECONDS);
                long granted;
                if (serverBoundCoversDataInFlight()) {
                    granted = grantedAt.get(SANITY.toSeconds(), TimeUnit.SECONDS);
                } else {
                    try {
                        granted = grantedAt.get(serverBound().plusSeconds(2).toMillis(), TimeUnit.MILLISECONDS);
                    } catch (TimeoutException retransmitting) {
                        // the server's kernel is retransmitting data the cut caught: keepalive waits for it
                        partition.heal();
                        granted = grantedAt.get(SANITY.toSeconds(), TimeUnit.SECONDS);
                        freedOnlyAfterHeal++;
                    }
                }
                assertThat(watch.loss().orElseThrow().reason()).isEqualTo(Reason.UNCONFIRMED);
                if (stillHeld && told < granted) {
                    toldFirst++;
                } else {
                    violations++;
                }
                toldAfterCut.add(told - cutAt);
                if (partition.isCut()) {
                    grantedAfterCut.add(granted - cutAt);
                }
                partition.heal();
                contender.release();
                contending.close();
                holding.abort(Runnable::run); // aborted by dlock already; this only waits for it
            }
        } finally {
            contenders.shutdownNow();
        }
        System.out.println(String.format(Locale.ROOT, "[dlock-reliability] %s: %d partitions of a holder (%s):"
                        + " listener first %d, violations %d; cut to listener p50 %s max %s; freed by the server"
                        + " alone in %d, cut to the next grant p50 %s max %s (server bound %d ms); freed only once"
                        + " the link was back %d", getClass().getSimpleName(), PARTITIONS, holderWatch(), toldFirst,
                violations, millis(toldAfterCut, 50), millis(toldAfterCut, 100), grantedAfterCut.size(),
                millis(grantedAfterCut, 50), millis(grantedAfterCut, 100), serverBound().toMillis(),
                freedOnlyAfterHeal));
        assertThat(violations).as("rounds where someone else could be granted the lock before the holder knew")
                .isZero();
        if (serverBoundCoversDataInFlight()) {
            // liveness, with a generous margin for a loaded machine: the server bound plus a few seconds
            assertThat(freedOnlyAfterHeal).isZero();
            assertThat(Collections.max(grantedAfterCut)).isLessThan(serverBound().plusSeconds(5).toNanos());
        }
    }

    private static String millis(List<Long> nanos, int percentile) {
        if (nanos.isEmpty()) {
            return "-";
        }
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int index = Math.min(sorted.size() - 1, (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1);
        return String.format(Locale.ROOT, "%.0f ms", sorted.get(Math.max(0, index)) / 1e6);
    }
}
