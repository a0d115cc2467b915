package dev.dlock.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One handoff at a time between a holder (the benchmark thread) and a waiter (a thread of its own, on its own
 * connection): {@link #prepare} leaves the holder holding and the waiter blocked in its lock call, outside the
 * measured time; {@link #handOff} is the measured part, from the holder's release call until the waiter holds.
 * The waiter gives the lock back right after, before the next {@link #prepare} goes on.
 */
final class HandoffRound implements AutoCloseable {
    private static final long STUCK_SECONDS = 30;

    private final Locker holder;
    private final Locker waiter;
    private final WaiterBlocked waiterBlocked;
    private final ExecutorService waiterThread = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "dlock-bench-waiter");
        thread.setDaemon(true);
        return thread;
    });
    private CompletableFuture<Void> holding = CompletableFuture.completedFuture(null);
    private CompletableFuture<Void> done = CompletableFuture.completedFuture(null);

    /** How {@link #prepare} learns that the waiter is in its lock call and blocked. */
    @FunctionalInterface
    interface WaiterBlocked {
        /**
         * Returns once the waiter waits; called after the waiter's lock call was started.
         *
         * @param started completes when the waiter thread is about to call its lock
         */
        void await(CompletableFuture<Void> started) throws Exception;
    }

    HandoffRound(Locker holder, Locker waiter, WaiterBlocked waiterBlocked) {
        this.holder = holder;
        this.waiter = waiter;
        this.waiterBlocked = waiterBlocked;
    }

    /** Leaves the holder holding and the waiter blocked. */
    void prepare() throws Exception {
        done.get(STUCK_SECONDS, TimeUnit.SECONDS); // the last waiter gave the lock back
        holder.lock();
        CompletableFuture<Void> started = new CompletableFuture<>();
        CompletableFuture<Void> holds = new CompletableFuture<>();
        done = CompletableFuture.runAsync(() -> {
            started.complete(null);
            try {
                waiter.lock();
            } catch (Exception e) {
                holds.completeExceptionally(e);
                throw new IllegalStateException(e);
            }
            holds.complete(null);
            try {
                waiter.unlock();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, waiterThread);
        holding = holds;
        waiterBlocked.await(started);
        if (holds.isDone()) {
            holds.join(); // throws what the waiter hit
            throw new IllegalStateException("the waiter got the lock while the holder held it");
        }
    }

    /** The measured part: the holder releases; returns once the waiter holds. */
    void handOff() throws Exception {
        holder.unlock();
        holding.get(STUCK_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Waits, by asking the server, until the waiter's session waits for a lock.
     *
     * @param probe the question, asked on a connection other than the waiter's
     */
    static WaiterBlocked askingTheServer(RawStatements.WaitProbe probe) {
        return started -> {
            started.get(STUCK_SECONDS, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STUCK_SECONDS);
            while (!probe.waiting()) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("the waiter never showed up as waiting on the server");
                }
            }
        };
    }

    @Override
    public void close() throws Exception {
        try {
            holder.unlock();
        } catch (Exception | Error ignored) {
            // already released: the normal case after a handoff
        }
        done.get(STUCK_SECONDS, TimeUnit.SECONDS);
        waiterThread.shutdownNow();
    }
}
