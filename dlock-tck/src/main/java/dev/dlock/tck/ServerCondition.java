package dev.dlock.tck;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** A question to the database, and the tests' one way to wait for another session: asking until it holds. */
@FunctionalInterface
public interface ServerCondition {
    /**
     * @return whether it holds now
     * @throws Exception if the question fails
     */
    boolean holds() throws Exception;

    /**
     * Asks, every millisecond, until this holds; fails the test after {@code sanity}.
     *
     * @param what   what is awaited, for the failure message
     * @param sanity how long before the test fails
     * @throws Exception if the question fails
     */
    default void await(String what, Duration sanity) throws Exception {
        long deadline = System.nanoTime() + sanity.toNanos();
        while (!holds()) {
            if (System.nanoTime() > deadline) {
                fail("the database never showed: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
