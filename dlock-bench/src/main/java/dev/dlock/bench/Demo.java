package dev.dlock.bench;

import dev.dlock.DistributedLock;
import dev.dlock.Locks;
import java.sql.Connection;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A few seconds of two connections contending for one key, on the embedded PostgreSQL: who holds it, for how
 * long, and how long the other waited. Ends with a timed attempt that gives up on time.
 *
 * <pre>
 * java -cp dlock-bench/target/dlock-bench.jar dev.dlock.bench.Demo [postgresql|mariadb|JDBC URL]
 * </pre>
 */
public final class Demo {
    private static final String KEY = "demo:nightly-report";
    private static final int TURNS = 3;

    private final long start = System.nanoTime();

    private Demo() {
    }

    /**
     * Runs the demo.
     *
     * @param args optionally the database: {@code postgresql} (the default), {@code mariadb}, or a JDBC URL
     */
    public static void main(String[] args) throws Exception {
        BenchDatabase database = BenchDatabase.of(args.length > 0 ? args[0] : BenchDatabase.POSTGRESQL);
        new Demo().run(database);
        // the embedded server stops with the JVM
    }

    private void run(BenchDatabase database) throws Exception {
        try (Connection alice = database.connect(); Connection bob = database.connect()) {
            DistributedLock probe = Locks.forConnection(alice, KEY);
            System.out.printf(Locale.ROOT, "%s, dlock dialect %s%nkey \"%s\" is database key %s%n%n",
                    database.description(), probe.dialect(), KEY, probe.databaseKey());

            CountDownLatch aliceHolds = new CountDownLatch(1);
            Thread bobThread = new Thread(() -> turns("bob", bob, aliceHolds, null), "bob");
            Thread aliceThread = new Thread(() -> turns("alice", alice, null, aliceHolds), "alice");
            aliceThread.start();
            aliceHolds.await();
            bobThread.start();
            aliceThread.join();
            bobThread.join();

            // exact timeouts: the wait ends at the deadline, not at the next tick of a polling loop
            try (DistributedLock held = Locks.forConnection(alice, KEY).acquire(Duration.ofSeconds(5))) {
                say("alice", "holds it again; bob tries for 250 ms");
                long before = System.nanoTime();
                boolean got = Locks.forConnection(bob, KEY).tryAcquire(Duration.ofMillis(250));
                say("bob", String.format(Locale.ROOT, "tryAcquire(250 ms) answered %s after %.1f ms", got,
                        (System.nanoTime() - before) / 1e6));
            }
            say("alice", "released it: try-with-resources closed the lock");
        }
    }

    /** Takes the lock {@value #TURNS} times, holding it a few hundred milliseconds each time. */
    private void turns(String who, Connection connection, CountDownLatch after, CountDownLatch holding) {
        try {
            if (after != null) {
                after.await();
            }
            for (int turn = 1; turn <= TURNS; turn++) {
                DistributedLock lock = Locks.forConnection(connection, KEY);
                if (!lock.tryAcquire()) {
                    say(who, "tryAcquire() answered false: the other holds it; now waiting in acquire()");
                    long before = System.nanoTime();
                    lock.acquire();
                    say(who, String.format(Locale.ROOT, "holds it (turn %d), after waiting %.0f ms", turn,
                            (System.nanoTime() - before) / 1e6));
                } else {
                    say(who, "holds it (turn " + turn + "), no wait");
                }
                if (holding != null) {
                    holding.countDown();
                }
                long work = 300 + ThreadLocalRandom.current().nextLong(400);
                Thread.sleep(work); // the critical section: the other connection is kept out meanwhile
                say(who, "releases it after " + work + " ms of work");
                lock.release();
                Thread.sleep(50); // outside the lock, so that the other gets its turn
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void say(String who, String what) {
        System.out.printf(Locale.ROOT, "+%6.3f s  %-5s  %s%n", (System.nanoTime() - start) / 1e9, who, what);
    }
}
