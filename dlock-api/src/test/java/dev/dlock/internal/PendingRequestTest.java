package dev.dlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** dlock's one piece of remaining-time arithmetic: what a dialect is told to wait. */
class PendingRequestTest {

    @Test
    void oneAttemptIsAlwaysZeroAndDoesNotWait() {
        PendingRequest once = PendingRequest.once();
        assertThat(once.waits()).isFalse();
        assertThat(once.hasTimeLeft()).isFalse();
        assertThat(once.timeout(TimeUnit.MILLISECONDS, 1000)).isZero();
        assertThat(PendingRequest.upTo(Duration.ZERO).waits()).as("a zero timeout is one attempt").isFalse();
        assertThat(PendingRequest.upTo(Duration.ZERO).timeout()).isEqualTo(Duration.ZERO);
    }

    @Test
    void aWaitWithoutDeadlineAsksForTheLongestRequestEveryTime() {
        PendingRequest untilHeld = PendingRequest.untilHeld();
        assertThat(untilHeld.hasDeadline()).isFalse();
        assertThat(untilHeld.timeout()).isNull();
        assertThat(untilHeld.remainingNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(untilHeld.timeout(TimeUnit.MILLISECONDS, Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
        assertThat(untilHeld.timeout(TimeUnit.SECONDS, 32766)).isEqualTo(32766);
        assertThat(untilHeld.timeout(TimeUnit.MICROSECONDS, 3_600_000_000L)).isEqualTo(3_600_000_000L);
        assertThat(untilHeld.timeout(TimeUnit.NANOSECONDS, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(untilHeld.hasTimeLeft()).isTrue();
    }

    @Test
    void timeoutsOfCenturiesSaturateInsteadOfOverflowing() {
        PendingRequest centuries = PendingRequest.upTo(ChronoUnit.CENTURIES.getDuration().multipliedBy(5));
        assertThat(centuries.hasDeadline()).isTrue();
        assertThat(centuries.remainingNanos()).isGreaterThan(Long.MAX_VALUE / 2);
        assertThat(centuries.timeout(TimeUnit.MILLISECONDS, Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
        assertThat(PendingRequest.upTo(Duration.ofSeconds(Long.MAX_VALUE)).timeout(TimeUnit.DAYS, Long.MAX_VALUE))
                .isEqualTo(TimeUnit.NANOSECONDS.toDays(Long.MAX_VALUE) + 1);
    }

    /**
     * The timeout handed to a database is the remaining time rounded up, never down: a database given it never
     * gives up before the caller's deadline. The request's clock is the test's, so the remaining time is known
     * to the nanosecond and the timeout is the one exact value.
     */
    @Property(tries = 500)
    void remainingTimeIsRoundedUpToTheUnitAndCapped(@ForAll @LongRange(min = 1, max = 10_000_000_000L) long nanos,
                                                      @ForAll @LongRange(min = 0, max = 10_000_000_000L) long elapsed,
                                                      @ForAll("units") TimeUnit unit,
                                                      @ForAll @LongRange(min = 1, max = 100_000) long max) {
        ManualClock clock = new ManualClock();
        PendingRequest request = PendingRequest.upTo(Duration.ofNanos(nanos), clock);
        clock.advance(elapsed);
        long remaining = Math.max(0, nanos - elapsed);
        BigInteger[] wholeUnitsAndRest = BigInteger.valueOf(remaining)
                .divideAndRemainder(BigInteger.valueOf(unit.toNanos(1)));
        long roundedUp = wholeUnitsAndRest[0].longValueExact() + (wholeUnitsAndRest[1].signum() > 0 ? 1 : 0);
        assertThat(request.remainingNanos()).isEqualTo(remaining);
        assertThat(request.timeout(unit, max)).isEqualTo(Math.min(roundedUp, max));
    }

    @Provide
    Arbitrary<TimeUnit> units() {
        return Arbitraries.of(TimeUnit.NANOSECONDS, TimeUnit.MICROSECONDS, TimeUnit.MILLISECONDS,
                TimeUnit.SECONDS);
    }

    @Test
    void exactValuesAtTheBoundaries() {
        ManualClock clock = new ManualClock();
        PendingRequest oneNanosecond = PendingRequest.upTo(Duration.ofNanos(1), clock);
        assertThat(oneNanosecond.timeout(TimeUnit.MILLISECONDS, 10)).as("1 ns left is a whole millisecond").isEqualTo(1);
        clock.advance(1);
        assertThat(oneNanosecond.timeout(TimeUnit.MILLISECONDS, 10)).as("none left: one attempt").isZero();
        assertThat(oneNanosecond.hasTimeLeft()).isFalse();

        PendingRequest anHour = PendingRequest.upTo(Duration.ofHours(1), clock);
        assertThat(anHour.timeout(TimeUnit.SECONDS, 3600)).isEqualTo(3600);
        clock.advance(1);
        assertThat(anHour.timeout(TimeUnit.SECONDS, 3600)).as("3,599.999999999 s is 3,600 s").isEqualTo(3600);
        clock.advance(TimeUnit.SECONDS.toNanos(1) - 1);
        assertThat(anHour.timeout(TimeUnit.SECONDS, 3600)).as("3,599 s exactly").isEqualTo(3599);

        assertThat(PendingRequest.upTo(Duration.ofDays(1), clock).timeout(TimeUnit.SECONDS, 3600)).isEqualTo(3600);
        assertThat(PendingRequest.upTo(Duration.ofMillis(1500), clock).timeout(TimeUnit.SECONDS, 3600)).isEqualTo(2);
        assertThat(PendingRequest.upTo(Duration.ofMillis(200), clock).timeout(TimeUnit.SECONDS, 3600)).isEqualTo(1);
    }

    @Test
    void eachRequestStaysBelowTheLimitGivenAndWholeUnitsGetAtLeastOne() {
        PendingRequest request = PendingRequest.untilHeld();
        request.limitEachRequestTo(TimeUnit.MILLISECONDS.toNanos(1500));
        assertThat(request.timeout(TimeUnit.MILLISECONDS, Integer.MAX_VALUE)).isEqualTo(1500);
        assertThat(request.timeout(TimeUnit.MICROSECONDS, 3_600_000_000L)).isEqualTo(1_500_000);
        assertThat(request.timeout(TimeUnit.SECONDS, 3600)).as("rounded down, below the limit").isEqualTo(1);
        request.limitEachRequestTo(TimeUnit.MILLISECONDS.toNanos(300));
        assertThat(request.timeout(TimeUnit.SECONDS, 3600)).as("a whole-second database waits a second").isEqualTo(1);
        assertThat(request.timeout(TimeUnit.MILLISECONDS, 100)).as("the dialect's own limit, when lower").isEqualTo(100);
        request.limitEachRequestTo(0);
        assertThat(request.timeout(TimeUnit.SECONDS, 3600)).as("no limit").isEqualTo(3600);
        ManualClock clock = new ManualClock();
        PendingRequest shortOne = PendingRequest.upTo(Duration.ofMillis(200), clock);
        shortOne.limitEachRequestTo(TimeUnit.SECONDS.toNanos(10));
        clock.advance(TimeUnit.MILLISECONDS.toNanos(50) + 1);
        assertThat(shortOne.timeout(TimeUnit.MILLISECONDS, Integer.MAX_VALUE)).as("the deadline, when nearer")
                .isEqualTo(150);
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> PendingRequest.upTo(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("timeout");
        assertThatThrownBy(() -> PendingRequest.upTo(Duration.ofNanos(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative").hasMessageContaining("PT-0.000000001S");
        PendingRequest request = PendingRequest.upTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> request.timeout(TimeUnit.SECONDS, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> request.timeout(null, 1)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aRequestThatEndsEarlyIsToldApartFromOneThatWaitedItsBound() {
        PendingRequest request = PendingRequest.untilHeld();
        request.beginRequest();
        request.timeout(TimeUnit.SECONDS, 3600);
        assertThat(request.answeredEarly()).as("an hour asked, answered at once").isTrue();
        request.beginRequest();
        assertThat(request.answeredEarly()).as("no bound asked (a one-attempt form)").isFalse();
        request.beginRequest();
        request.timeout(TimeUnit.NANOSECONDS, 1);
        assertThat(request.answeredEarly()).as("a bound already past").isFalse();
    }

    @Test
    void anAnswerIsEarlyUnderHalfTheBoundAndTheRequestsOwnTimeIsMeasuredFromItsStart() {
        ManualClock clock = new ManualClock();
        PendingRequest request = PendingRequest.upTo(Duration.ofHours(1), clock);
        clock.advance(TimeUnit.SECONDS.toNanos(10)); // an earlier request of the same call
        request.beginRequest();
        assertThat(request.timeout(TimeUnit.MILLISECONDS, 100)).isEqualTo(100);
        assertThat(request.requestBound()).isEqualTo(Duration.ofMillis(100));
        clock.advance(TimeUnit.MILLISECONDS.toNanos(50) - 1);
        assertThat(request.answeredEarly()).as("just under half the bound").isTrue();
        assertThat(request.requestElapsed()).isEqualTo(Duration.ofMillis(50).minusNanos(1));
        clock.advance(1);
        assertThat(request.answeredEarly()).as("half the bound").isFalse();
        assertThat(request.elapsedNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(10_050));
    }

    @Test
    void abandonedMeansInterruptedOrCancelledByTheCaller() {
        PendingRequest request = PendingRequest.untilHeld();
        assertThat(request.abandoned()).isFalse();
        request.cancel();
        assertThat(request.abandoned()).isTrue();
        assertThat(request.callerCancelled()).isTrue();
        PendingRequest interrupted = PendingRequest.untilHeld();
        Thread.currentThread().interrupt();
        try {
            assertThat(interrupted.abandoned()).isTrue();
            assertThat(interrupted.callerCancelled()).isFalse();
        } finally {
            Thread.interrupted();
        }
    }

    /** A {@link System#nanoTime()} that moves only when the test moves it. */
    private static final class ManualClock implements LongSupplier {
        /** Far from zero, as nanoTime is: the request must count from its own start, not from zero. */
        private long now = 123_456_789_000L;

        void advance(long nanos) {
            now += nanos;
        }

        @Override
        public long getAsLong() {
            return now;
        }
    }
}
