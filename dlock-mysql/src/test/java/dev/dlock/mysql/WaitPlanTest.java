package dev.dlock.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How waits are cut into GET_LOCK calls; runs without a server. */
class WaitPlanTest {
    private static long nanos(Duration d) {
        return d.toNanos();
    }

    @Test
    void nothingLeftIsOneAttemptOnBothServers() {
        for (WaitPlan plan : WaitPlan.values()) {
            WaitPlan.Step step = plan.next(0);
            assertThat(step.isTry()).isTrue();
            assertThat(step.seconds()).isEqualByComparingTo(BigDecimal.ZERO);
            assertThat(step.statementMillis()).isZero();
        }
    }

    @Test
    void mariaDbWaitsTheRemainingTimeRoundedUpToTheMicrosecond() {
        assertThat(WaitPlan.FRACTIONAL_SECONDS.next(nanos(Duration.ofMillis(200))).seconds())
                .isEqualByComparingTo("0.2");
        assertThat(WaitPlan.FRACTIONAL_SECONDS.next(1).seconds()).isEqualByComparingTo("0.000001");
        assertThat(WaitPlan.FRACTIONAL_SECONDS.next(1_500_000_001L).seconds()).isEqualByComparingTo("1.500001");
        assertThat(WaitPlan.FRACTIONAL_SECONDS.next(1_500_000_001L).statementMillis()).isZero();
    }

    @Test
    void mySqlWaitsWholeSecondsFirst() {
        WaitPlan.Step step = WaitPlan.WHOLE_SECONDS.next(nanos(Duration.ofMillis(2300)));
        assertThat(step.seconds()).isEqualByComparingTo("2");
        assertThat(step.statementMillis()).as("no statement timer while whole seconds are left").isZero();
        assertThat(WaitPlan.WHOLE_SECONDS.next(nanos(Duration.ofSeconds(1))).seconds()).isEqualByComparingTo("1");
    }

    @Test
    void mySqlEndsTheSubSecondRestWithTheStatementTimerRoundedUpToTheMillisecond() {
        WaitPlan.Step step = WaitPlan.WHOLE_SECONDS.next(nanos(Duration.ofMillis(300)));
        assertThat(step.seconds()).as("a whole second, which the timer cuts short").isEqualByComparingTo("1");
        assertThat(step.statementMillis()).isEqualTo(300);
        assertThat(WaitPlan.WHOLE_SECONDS.next(1).statementMillis()).isEqualTo(1);
        assertThat(WaitPlan.WHOLE_SECONDS.next(999_000_001L).statementMillis()).isEqualTo(1000);
    }

    @Test
    void mySqlNeverSendsAFractionItWouldRound() {
        for (long n = 1; n < 10_000_000_000L; n = n * 3 + 7) {
            WaitPlan.Step step = WaitPlan.WHOLE_SECONDS.next(n);
            assertThat(step.seconds().stripTrailingZeros().scale()).as("%d ns", n).isLessThanOrEqualTo(0);
            assertThat(step.seconds().signum()).isPositive();
        }
    }

    @Test
    void waitsWithoutDeadlineAreLongFiniteStepsNeverNegative() {
        for (WaitPlan plan : WaitPlan.values()) {
            WaitPlan.Step step = plan.next(Long.MAX_VALUE);
            assertThat(step.seconds()).isEqualByComparingTo(BigDecimal.valueOf(WaitPlan.LONGEST_STEP_SECONDS));
            assertThat(step.statementMillis()).isZero();
            assertThat(plan.next(nanos(Duration.ofDays(3))).seconds())
                    .isEqualByComparingTo(BigDecimal.valueOf(WaitPlan.LONGEST_STEP_SECONDS));
        }
    }
}
