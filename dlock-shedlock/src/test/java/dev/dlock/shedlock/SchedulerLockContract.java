package dev.dlock.shedlock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * A {@code @SchedulerLock} job as ShedLock's users write it, in two Spring contexts on pools of their own: two nodes
 * of one service, each running the job every few milliseconds. A counter of the executions in progress, shared by
 * both nodes, never reaches two.
 */
abstract class SchedulerLockContract extends ProviderFixture {
    static final String JOB = "dlock-shedlock-scheduled-job";
    private static final int RUNS = 60;

    @Test
    void twoNodesNeverRunTheJobAtOnce() throws Exception {
        Tally tally = new Tally(RUNS);
        try (AnnotationConfigApplicationContext first = node(0, tally);
             AnnotationConfigApplicationContext second = node(1, tally)) {
            assertThat(tally.done.await(SANITY.toSeconds(), TimeUnit.SECONDS)).as("%d runs", RUNS).isTrue();
        }
        assertThat(tally.mostRunning.get()).as("executions in progress at once").isEqualTo(1);
        assertThat(tally.runsBy.get(0)).as("runs on the first node").isPositive();
        assertThat(tally.runsBy.get(1)).as("runs on the second node").isPositive();
        awaitFree(JOB);
        System.out.printf("[dlock-shedlock] %s @SchedulerLock: %d and %d runs on two nodes, never two at once%n",
                database(), tally.runsBy.get(0), tally.runsBy.get(1));
    }

    private AnnotationConfigApplicationContext node(int id, Tally tally) {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.registerBean(DataSource.class, () -> pool(2));
        context.registerBean(Tally.class, () -> tally);
        context.registerBean(NodeId.class, () -> new NodeId(id));
        context.register(Node.class);
        context.refresh();
        return context;
    }

    /**
     * One node's Spring configuration, as ShedLock's README has it, with this provider: the {@code lockProvider} bean is
     * the example of README.md's ShedLock section, word for word (change both together).
     */
    @Configuration
    @EnableScheduling
    @EnableSchedulerLock(defaultLockAtMostFor = "PT1M")
    static class Node {
        @Bean
        LockProvider lockProvider(DataSource dataSource) {
            return new DlockLockProvider(dataSource);
        }

        @Bean
        Job job(Tally tally, NodeId id) {
            return new Job(tally, id);
        }
    }

    /** Which node a context is. */
    record NodeId(int value) {
    }

    /** The scheduled job: a proxy around it takes the lock (ShedLock's PROXY_METHOD mode). */
    public static class Job {
        private final Tally tally;
        private final NodeId id;

        Job(Tally tally, NodeId id) {
            this.tally = tally;
            this.id = id;
        }

        /** Runs every 5 ms on each node, under the lock, held at least 5 ms. */
        @Scheduled(fixedDelay = 5)
        @SchedulerLock(name = JOB, lockAtLeastFor = "PT0.005S")
        public void run() {
            tally.run(id.value());
        }
    }

    /** What both nodes' jobs report to. */
    static final class Tally {
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostRunning = new AtomicInteger();
        final AtomicIntegerArray runsBy = new AtomicIntegerArray(2);
        final CountDownLatch done;

        Tally(int runs) {
            done = new CountDownLatch(runs);
        }

        void run(int node) {
            mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // the job's work: a window for an overlap
            runsBy.incrementAndGet(node);
            running.decrementAndGet();
            done.countDown();
        }
    }
}
