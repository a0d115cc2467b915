package dev.dlock.internal;

import dev.dlock.DistributedLock;
import dev.dlock.LockInterruptedException;
import dev.dlock.LockNotHeldException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/** A {@link DistributedLock} as a {@link Lock}, with that interface's interrupt conventions. */
final class JucLock implements Lock {
    private final DistributedLock lock;

    JucLock(DistributedLock lock) {
        this.lock = lock;
    }

    @Override
    public void lock() {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    lock.acquire();
                    return;
                } catch (LockInterruptedException e) {
                    // lock() does not answer interrupts: remember it, clear it, and wait again
                    interrupted = true;
                    Thread.interrupted();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        interruptibly(null);
    }

    @Override
    public boolean tryLock() {
        return lock.tryAcquire();
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        // as java.util.concurrent does, a time of zero or less means one attempt, not an error
        return interruptibly(Duration.ofNanos(Math.max(0, unit.toNanos(time))));
    }

    /** Waits for {@code timeout}, or until held when it is null. */
    private boolean interruptibly(Duration timeout) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        try {
            if (timeout == null) {
                lock.acquire();
                return true;
            }
            return lock.tryAcquire(timeout);
        } catch (LockInterruptedException e) {
            Thread.interrupted();
            InterruptedException interrupted = new InterruptedException(e.getMessage());
            interrupted.initCause(e);
            throw interrupted;
        }
    }

    @Override
    public void unlock() {
        try {
            lock.release();
        } catch (LockNotHeldException e) {
            IllegalMonitorStateException notHeld = new IllegalMonitorStateException(e.getMessage());
            notHeld.initCause(e);
            throw notHeld;
        }
    }

    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("a database lock has no conditions: " + lock);
    }

    @Override
    public String toString() {
        return lock.toString();
    }
}
