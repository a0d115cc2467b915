package dev.dlock.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** dlock's background threads: the lanes that run a connection's checks one at a time, and the threads. */
class SerialLaneTest {

    @Test
    void aTaskThatFailsIsReportedAndTheLaneGoesOn() throws Exception {
        List<String> ran = new ArrayList<>();
        RuntimeException failure = new IllegalStateException("a check's own failure");
        CompletableFuture<Throwable> reported = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            SerialLane lane = new SerialLane(Runnable::run); // drains on this thread
            lane.execute(() -> ran.add("first"));
            lane.execute(() -> {
                throw failure;
            });
            lane.execute(() -> ran.add("after the failure"));
        });
        thread.setUncaughtExceptionHandler((t, e) -> reported.complete(e));
        thread.start();
        thread.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(reported.getNow(null)).isSameAs(failure);
        assertThat(ran).containsExactly("first", "after the failure");
    }

    @Test
    void backgroundThreadsAreNamedDaemons() {
        Daemons daemons = new Daemons("dlock-test-");
        Thread first = daemons.newThread(() -> { });
        Thread second = daemons.newThread(() -> { });
        assertThat(first.isDaemon()).as("a forgotten watch does not keep the JVM alive").isTrue();
        assertThat(first.getName()).isEqualTo("dlock-test-1");
        assertThat(second.getName()).isEqualTo("dlock-test-2");
    }
}
