package dev.dlock.internal;

import dev.dlock.DistributedLock;
import dev.dlock.LockKey;
import dev.dlock.LockLostException;
import dev.dlock.LockNotHeldException;
import dev.dlock.LockOptions;
import dev.dlock.LockWatch;
import dev.dlock.WatchOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One lock over several keys, all held or none. The keys are taken one after the other in one global order, the
 * order of their database keys (numbers by value, the rest by their text), so that two processes asking for
 * overlapping sets take their common keys in the same order and cannot deadlock; one deadline covers the whole
 * set; whatever was taken is given back, in reverse order, when a later key times out, is interrupted or fails.
 * Each key is an ordinary lock underneath (on the caller's connection, or through a pool), with its checks.
 */
public final class MultiKeyLock extends AbstractDistributedLock {
    /** The global order of database keys: numbers by value, then everything else by its text. */
    static final Comparator<Object> DATABASE_KEY_ORDER = (a, b) -> {
        if (a instanceof Long x && b instanceof Long y) {
            return Long.compare(x, y);
        }
        return String.valueOf(a).compareTo(String.valueOf(b));
    };

    /** The lock of each key, in the order they are taken. */
    private final List<AbstractDistributedLock> parts;
    private final LockOptions options;
    /** The parts granted in the current hold, in the order taken; written by the holding thread. */
    private volatile List<AbstractDistributedLock> held = List.of();

    private MultiKeyLock(List<AbstractDistributedLock> parts, LockOptions options) {
        this.parts = parts;
        this.options = options;
    }

    /**
     * @param keys    each a {@code String} (a lock name) or a {@link LockKey}
     * @param options the options of every key
     * @param lockOf  makes the lock of one key, checking it (as {@code Locks.forConnection} or
     *                {@code DataSourceLocks.lock} do)
     * @return the lock over all of them, not yet acquired
     * @throws NullPointerException     if {@code keys}, one of them, or {@code options} is null
     * @throws IllegalArgumentException if {@code keys} is empty, holds a key of another type, or two keys that are
     *                                  one database lock
     */
    public static DistributedLock of(Collection<?> keys, LockOptions options,
            Function<LockKey, DistributedLock> lockOf) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(options, "options");
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a lock over several keys needs at least one key");
        }
        List<AbstractDistributedLock> parts = new ArrayList<>(keys.size());
        for (Object key : keys) {
            parts.add((AbstractDistributedLock) lockOf.apply(lockKey(key)));
        }
        parts.sort(Comparator.comparing(DistributedLock::databaseKey, DATABASE_KEY_ORDER));
        for (int i = 1; i < parts.size(); i++) {
            DistributedLock before = parts.get(i - 1);
            DistributedLock next = parts.get(i);
            if (DATABASE_KEY_ORDER.compare(before.databaseKey(), next.databaseKey()) == 0) {
                throw new IllegalArgumentException("the keys " + before.key() + " and " + next.key()
                        + " are one database lock (" + next.databaseKey() + "): name each key once");
            }
        }
        return new MultiKeyLock(List.copyOf(parts), options);
    }

    private static LockKey lockKey(Object key) {
        Objects.requireNonNull(key, "a key in keys");
        if (key instanceof String name) {
            return LockKey.of(name);
        }
        if (key instanceof LockKey lockKey) {
            return lockKey;
        }
        throw new IllegalArgumentException("a key must be a String or a dev.dlock.LockKey, not a "
                + key.getClass().getName());
    }

    @Override
    boolean attempt(PendingRequest request) {
        if (!held.isEmpty()) {
            throw new IllegalStateException(describe() + " is already held by this lock object");
        }
        List<AbstractDistributedLock> taken = new ArrayList<>(parts.size());
        try {
            for (AbstractDistributedLock part : parts) {
                if (!part.attempt(request)) { // the one deadline passed: nothing of the set is kept
                    giveBack(taken, null);
                    return false;
                }
                taken.add(part);
            }
        } catch (RuntimeException | Error failure) {
            giveBack(taken, failure);
            throw failure;
        }
        held = List.copyOf(taken);
        return true;
    }

    /**
     * Releases {@code taken} in reverse order, every one of them whatever the others do.
     *
     * @param failure what is on its way out, to add failed releases to; {@code null} to throw the first
     */
    private static void giveBack(List<AbstractDistributedLock> taken, Throwable failure) {
        RuntimeException first = null;
        for (int i = taken.size() - 1; i >= 0; i--) {
            try {
                taken.get(i).release();
            } catch (RuntimeException e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Releases every key, in reverse order, each whatever happened to the others.
     *
     * @throws LockNotHeldException if this lock object does not hold the keys
     * @throws LockLostException    if a key was lost (the others are released all the same)
     */
    @Override
    public void release() {
        List<AbstractDistributedLock> releasing = held;
        if (releasing.isEmpty()) {
            throw new LockNotHeldException(describe() + " is not held by this lock object");
        }
        held = List.of();
        giveBack(releasing, null);
    }

    @Override
    public void close() {
        if (!held.isEmpty()) {
            release();
        }
    }

    /** @return whether every key is held, as far as this process knows */
    @Override
    public boolean isLocked() {
        List<AbstractDistributedLock> holding = held;
        return !holding.isEmpty() && holding.stream().allMatch(DistributedLock::isLocked);
    }

    /** @return whether the server confirms every key held (one statement per key) */
    @Override
    public boolean isHeldOnServer() {
        List<AbstractDistributedLock> holding = held;
        return !holding.isEmpty() && holding.stream().allMatch(DistributedLock::isHeldOnServer);
    }

    @Override
    public boolean isHeldOnServer(Duration bound) {
        PendingRequest.positiveNanos(bound, "bound"); // bad input is refused whatever the state
        List<AbstractDistributedLock> holding = held;
        return !holding.isEmpty() && holding.stream().allMatch(part -> part.isHeldOnServer(bound));
    }

    /**
     * Watches every key; {@code onLost} is told once, with this lock, when the first of them is lost.
     */
    @Override
    public LockWatch watch(WatchOptions watchOptions, Consumer<? super DistributedLock> onLost) {
        Objects.requireNonNull(watchOptions, "options");
        Objects.requireNonNull(onLost, "onLost");
        List<AbstractDistributedLock> holding = held;
        if (holding.isEmpty()) {
            throw new IllegalStateException(describe() + " is not held: there is nothing to watch");
        }
        CompletableFuture<DistributedLock> lost = new CompletableFuture<>();
        List<LockWatch> watches = new ArrayList<>(holding.size());
        try {
            for (AbstractDistributedLock part : holding) {
                watches.add(part.watch(watchOptions, ignored -> {
                    if (lost.complete(this)) {
                        onLost.accept(this);
                    }
                }));
            }
        } catch (RuntimeException | Error e) {
            watches.forEach(LockWatch::close);
            throw e;
        }
        return new LockWatch() {
            @Override
            public CompletableFuture<DistributedLock> lost() {
                return lost;
            }

            @Override
            public Optional<LockLostException> loss() {
                return watches.stream().map(LockWatch::loss).flatMap(Optional::stream).findFirst();
            }

            @Override
            public void close() {
                watches.forEach(LockWatch::close);
            }
        };
    }

    /** @return the first key in the order they are taken; {@link #keys()} has them all */
    @Override
    public LockKey key() {
        return parts.get(0).key();
    }

    @Override
    public List<LockKey> keys() {
        return parts.stream().map(DistributedLock::key).toList();
    }

    /** @return the database keys, as a {@code List}, in the order they are taken */
    @Override
    public Object databaseKey() {
        return parts.stream().map(DistributedLock::databaseKey).toList();
    }

    @Override
    public LockOptions options() {
        return options;
    }

    @Override
    public String dialect() {
        return parts.get(0).dialect();
    }

    @Override
    String describe() {
        return dialect() + " lock on " + parts.size() + " keys " + keys() + " (database keys " + databaseKey() + ", "
                + options + ")";
    }
}
