package dev.dlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
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
     * gives up before the caller's deadline. The remaining time is read after the call, so it is at most what
     * the request had before.
     */
    @Property(tries = 500)
    void remainingTimeIsRoundedUpToTheUnitAndCapped(@ForAll @LongRange(min = 1, max = 10_000_000_000L) long nanos,
                                                      @ForAll("units") TimeUnit unit,
                                                      @ForAll @LongRange(min = 1, max = 100_000) long max) {
        PendingRequest request = PendingRequest.upTo(Duration.ofNanos(nanos));
        long before = request.remainingNanos();
        long timeout = request.timeout(unit, max);
        long after = request.remainingNanos();
        if (after == 0) {
            return; // the time ran out in between: zero, one attempt, is then right
        }
        assertThat(timeout).isBetween(1L, max);
        if (timeout < max) {
            assertThat(unit.toNanos(timeout)).as("never below the time left").isGreaterThanOrEqualTo(after);
            assertThat(unit.toNanos(timeout - 1)).as("rounded up by less than one unit").isLessThan(before);
        }
    }

    @Provide
    Arbitrary<TimeUnit> units() {
        return Arbitraries.of(TimeUnit.NANOSECONDS, TimeUnit.MICROSECONDS, TimeUnit.MILLISECONDS,
                TimeUnit.SECONDS);
    }

    @Test
    void exactValuesAtTheBoundaries() {
        // a timed request's remaining time only shrinks, so these hold whatever the clock did meanwhile
        assertThat(PendingRequest.upTo(Duration.ofNanos(1)).timeout(TimeUnit.MILLISECONDS, 10)).isBetween(0L, 1L);
        assertThat(PendingRequest.upTo(Duration.ofDays(1)).timeout(TimeUnit.SECONDS, 3600)).isEqualTo(3600);
        assertThat(PendingRequest.upTo(Duration.ofHours(1)).timeout(TimeUnit.SECONDS, 3600)).isEqualTo(3600);
        assertThat(PendingRequest.upTo(Duration.ofMillis(1500)).timeout(TimeUnit.SECONDS, 3600)).isEqualTo(2);
        assertThat(PendingRequest.upTo(Duration.ofMillis(200)).timeout(TimeUnit.SECONDS, 3600)).isEqualTo(1);
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
        PendingRequest shortOne = PendingRequest.upTo(Duration.ofMillis(200));
        shortOne.limitEachRequestTo(TimeUnit.SECONDS.toNanos(10));
        assertThat(shortOne.timeout(TimeUnit.MILLISECONDS, Integer.MAX_VALUE)).as("the deadline, when nearer")
                .isBetween(1L, 200L);
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
}
