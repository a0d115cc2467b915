package dev.dlock.mysql;

import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;

/**
 * How a wait of a given length is cut into {@code GET_LOCK} calls, for a server that counts the timeout in
 * fractions of a second (MariaDB) or in whole seconds only (MySQL). Each call is one {@link Step}; the lock
 * asks for the next step with what is left of its deadline after each call that ended unanswered.
 */
enum WaitPlan {
    /**
     * MariaDB reads the timeout with {@code val_real()} and waits that long to the microsecond: one step of the
     * remaining time, rounded up to the microsecond so that the wait never ends before the deadline.
     */
    FRACTIONAL_SECONDS {
        @Override
        Step next(long remainingNanos) {
            if (remainingNanos <= 0) {
                return Step.TRY;
            }
            if (remainingNanos >= TimeUnit.SECONDS.toNanos(LONGEST_STEP_SECONDS)) {
                return new Step(BigDecimal.valueOf(LONGEST_STEP_SECONDS), 0);
            }
            long micros = ceilDiv(remainingNanos, 1_000);
            return new Step(BigDecimal.valueOf(micros, 6), 0);
        }
    },

    /**
     * MySQL 5.7 and 8.x read the timeout with {@code val_int()}: a fraction is rounded half-up to whole seconds
     * ({@code 0.2} means "do not wait", {@code 1.5} means 2 s). So the bulk of a wait is a {@code GET_LOCK} of
     * the whole seconds left, which the server ends on time; the sub-second rest is a {@code GET_LOCK} of one
     * second cut short by the server's own statement timer ({@code MAX_EXECUTION_TIME}, in milliseconds), which
     * fails the statement with error 3024 at the deadline. A server that ignores the hint (one older than 5.7.8,
     * or a proxy that strips comments) ends that last step late by less than a second, never early.
     */
    WHOLE_SECONDS {
        @Override
        Step next(long remainingNanos) {
            if (remainingNanos <= 0) {
                return Step.TRY;
            }
            long wholeSeconds = TimeUnit.NANOSECONDS.toSeconds(remainingNanos);
            if (wholeSeconds >= 1) {
                return new Step(BigDecimal.valueOf(Math.min(wholeSeconds, LONGEST_STEP_SECONDS)), 0);
            }
            return new Step(BigDecimal.ONE, ceilDiv(remainingNanos, 1_000_000));
        }
    };

    /**
     * The longest single {@code GET_LOCK}: a wait without a deadline is a loop of these, because a negative
     * timeout means "forever" only on MySQL (MariaDB answers it with NULL). Long, so that a waiter keeps its
     * place in the server's queue; finite, so that a {@code socketTimeout} longer than it never cuts a wait.
     */
    static final long LONGEST_STEP_SECONDS = 3600;

    /**
     * @param remainingNanos what is left of the deadline, never negative; {@link Long#MAX_VALUE} for a wait
     *                       without a deadline
     * @return the next {@code GET_LOCK} to make; {@link Step#TRY} once nothing is left
     */
    abstract Step next(long remainingNanos);

    private static long ceilDiv(long x, long y) {
        return -Math.floorDiv(-x, y);
    }

    /**
     * One {@code GET_LOCK(name, seconds)}.
     *
     * @param seconds         the timeout given to {@code GET_LOCK}, never negative
     * @param statementMillis the server's statement timer ({@code MAX_EXECUTION_TIME}) in milliseconds; 0 for
     *                        none
     */
    record Step(BigDecimal seconds, long statementMillis) {
        /** One attempt, no wait. */
        static final Step TRY = new Step(BigDecimal.ZERO, 0);

        /** @return whether this step makes one attempt without waiting */
        boolean isTry() {
            return seconds.signum() == 0;
        }
    }
}
