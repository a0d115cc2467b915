package dev.dlock.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CancelWatchdogTest {

    /** A statement that only counts down {@code cancelledByWatchdog} when the watchdog's thread cancels it. */
    private static Statement statement(CountDownLatch cancelledByWatchdog) {
        return (Statement) Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[] {Statement.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("cancel")
                            && Thread.currentThread().getName().equals("dlock-cancel-watchdog")) {
                        cancelledByWatchdog.countDown();
                    }
                    return null;
                });
    }

    @Test
    void busyWatchdogIsNotWokenPerRegistration() throws InterruptedException {
        CountDownLatch watchdogRunning = new CountDownLatch(1);
        LockWait busy = LockWait.forever();
        try (LockWait.Registration keepsItBusy = busy.cancellable(statement(watchdogRunning))) {
            busy.cancel(); // cancelled now by this thread, then again by the watchdog on its next rounds
            assertThat(watchdogRunning.await(30, TimeUnit.SECONDS)).as("the watchdog re-cancels").isTrue();

            long before = CancelWatchdog.wakeUps();
            for (int i = 0; i < 1_000; i++) {
                LockWait wait = LockWait.forever();
                try (LockWait.Registration registration = wait.cancellable(statement(new CountDownLatch(1)))) {
                    assertThat(wait.cancelled()).isFalse();
                }
            }
            // the watchdog cannot park while `busy` is registered, so no registration had to wake it
            assertThat(CancelWatchdog.wakeUps() - before).isZero();
        }
    }

    @Test
    void interruptOfTheWaitingThreadCancelsTheStatementFromTheWatchdog() throws InterruptedException {
        CountDownLatch cancelled = new CountDownLatch(1);
        LockWait wait = LockWait.forever();
        try (LockWait.Registration registration = wait.cancellable(statement(cancelled))) {
            Thread.currentThread().interrupt();
            boolean watchdogCancelled;
            try {
                // poll, not await: an interrupted thread cannot block on the latch
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (cancelled.getCount() > 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                watchdogCancelled = cancelled.getCount() == 0;
            } finally {
                assertThat(Thread.interrupted()).as("the interrupt flag is left to the caller").isTrue();
            }
            assertThat(watchdogCancelled).isTrue();
            assertThat(wait.cancelled()).isTrue();
            assertThat(wait.cancelRequestedByCaller()).isFalse();
            assertThat(wait.abandoned()).isTrue();
        }
    }
}
