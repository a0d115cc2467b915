package dev.dlock.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The gate between the cancel watchdog and a waiting statement; runs without a server. */
class CancelGateTest {
    private final AtomicInteger cancels = new AtomicInteger();
    private final CountDownLatch cancelStarted = new CountDownLatch(1);
    private final CountDownLatch finishCancel = new CountDownLatch(1);

    /** A statement whose cancel() takes as long as the test says, as a driver's KILL QUERY connection does. */
    private Statement slowCancelStatement() {
        return (Statement) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Statement.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("cancel")) {
                        cancelStarted.countDown();
                        finishCancel.await();
                        cancels.incrementAndGet();
                    }
                    return method.getName().equals("isClosed") ? Boolean.FALSE : null;
                });
    }

    @Test
    void cancelPassesWhileOpen() throws Exception {
        finishCancel.countDown();
        CancelGate gate = new CancelGate(slowCancelStatement());
        gate.guarded().cancel();
        assertThat(cancels).hasValue(1);
        assertThat(gate.guarded().isClosed()).as("other calls go through").isFalse();
    }

    @Test
    void cancelAfterCloseNeverReachesTheDriver() throws Exception {
        finishCancel.countDown();
        CancelGate gate = new CancelGate(slowCancelStatement());
        Statement guarded = gate.guarded();
        gate.close();
        guarded.cancel();
        assertThat(cancels).hasValue(0);
    }

    @Test
    void closeWaitsForACancelAlreadyOnItsWay() throws Exception {
        CancelGate gate = new CancelGate(slowCancelStatement());
        Statement guarded = gate.guarded();
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(() -> {
            try {
                guarded.cancel();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(cancelStarted.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(gate::close);
        // closing cannot end while the cancel is on its way; let the cancel finish and closing must follow
        assertThat(closing).isNotDone();
        finishCancel.countDown();
        closing.get(30, TimeUnit.SECONDS);
        watchdog.get(30, TimeUnit.SECONDS);
        assertThat(cancels).hasValue(1);
    }

    @Test
    void closeKeepsTheInterruptFlagOfAnInterruptedWaiter() throws Exception {
        CancelGate gate = new CancelGate(slowCancelStatement());
        Statement guarded = gate.guarded();
        CompletableFuture.runAsync(() -> {
            try {
                guarded.cancel();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(cancelStarted.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Boolean> closing = CompletableFuture.supplyAsync(() -> {
            Thread.currentThread().interrupt();
            finishCancel.countDown();
            gate.close();
            return Thread.interrupted();
        });
        assertThat(closing.get(30, TimeUnit.SECONDS)).isTrue();
    }
}
