package dev.dlock.tck.stub;

import dev.dlock.LockInterruptedException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A call run on a thread of its own, so that a test can interrupt it while it waits in a scripted statement (see
 * {@link ExpectedStatement#blocksUntilCancelled()}) and then look at how it ended.
 *
 * @param <T> what the call returns
 */
public final class CallInThread<T> {
    private final Thread thread;
    private final CompletableFuture<T> outcome = new CompletableFuture<>();

    private CallInThread(Callable<T> call) {
        this.thread = new Thread(() -> {
            try {
                outcome.complete(call.call());
            } catch (Throwable e) {
                outcome.completeExceptionally(e);
            }
        }, "dlock-stub-caller");
        thread.setDaemon(true);
    }

    /**
     * @param call the call
     * @param <T>  what it returns
     * @return the call, started
     */
    public static <T> CallInThread<T> start(Callable<T> call) {
        CallInThread<T> started = new CallInThread<>(call);
        started.thread.start();
        return started;
    }

    /**
     * The usual interrupt test: {@link #result()} is {@code true} when {@code call} ended with
     * {@link LockInterruptedException} and the thread's interrupt flag still set (as dlock promises),
     * {@code false} when it returned; anything else it threw is thrown by {@link #result()}.
     *
     * @param call a lock request, such as {@code lock::acquire}
     * @return the call, started
     */
    public static CallInThread<Boolean> expectingInterrupt(Runnable call) {
        return start(() -> {
            try {
                call.run();
                return false;
            } catch (LockInterruptedException expected) {
                return Thread.currentThread().isInterrupted();
            }
        });
    }

    /** Interrupts the thread. */
    public void interrupt() {
        thread.interrupt();
    }

    /**
     * @return what the call returned
     * @throws Exception what it threw, or a {@link TimeoutException} if it has not ended within 30 seconds
     */
    public T result() throws Exception {
        try {
            return outcome.get(ExpectedStatement.SANITY_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
