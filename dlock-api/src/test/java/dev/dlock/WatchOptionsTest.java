package dev.dlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WatchOptionsTest {

    @Test
    void everyCadenceBoundsEachCheckByOneCadence() {
        WatchOptions options = WatchOptions.every(Duration.ofSeconds(1));
        assertThat(options.bound()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.lossBound()).isEqualTo(Duration.ofSeconds(2));
        assertThat(options.lease()).isEmpty();
        assertThat(options.confirmWithin(Duration.ofMillis(300)).lossBound()).isEqualTo(Duration.ofMillis(1300));
    }

    @Test
    void aLeaseLeavesHalfOfItsEarliestServerEndForTheHolderToHear() {
        WatchOptions options = WatchOptions.lease(Duration.ofSeconds(5));
        assertThat(options.cadence()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.bound()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.lease()).contains(Duration.ofSeconds(5));
        // loss bound 2 s = (5 s − 1 s) / 2: the largest the order allows
        assertThat(WatchOptions.every(Duration.ofMillis(1001)).confirmWithin(Duration.ofSeconds(1)).lossBound())
                .isEqualTo(Duration.ofMillis(2001));
        assertThatThrownBy(() -> WatchOptions.every(Duration.ofMillis(1001)).confirmWithin(Duration.ofSeconds(1))
                .withLease(Duration.ofSeconds(5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("half of lease − 1 s");
        assertThatThrownBy(() -> options.confirmWithin(Duration.ofMillis(1)).withLease(Duration.ofSeconds(3)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(WatchOptions.lease(Duration.ofSeconds(2)).lossBound()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void badValuesAreRefused() {
        assertThatThrownBy(() -> WatchOptions.every(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WatchOptions.every(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        WatchOptions options = WatchOptions.every(Duration.ofMillis(100));
        assertThatThrownBy(() -> options.confirmWithin(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options.confirmWithin(Duration.ofMillis(101)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most the cadence");
        assertThatThrownBy(() -> WatchOptions.lease(Duration.ofMillis(1999)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least");
        assertThatThrownBy(() -> options.withLease(Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThat(options.withLease(Duration.ofSeconds(2)).lease()).contains(Duration.ofSeconds(2));
    }

    @Test
    void aCadenceOfOneMillisecondIsTheShortestAccepted() {
        assertThat(WatchOptions.every(Duration.ofMillis(1)).cadence()).isEqualTo(Duration.ofMillis(1));
        assertThatThrownBy(() -> WatchOptions.every(Duration.ofNanos(999_999)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 ms");
    }

    @Test
    void optionsAreEqualWhenCadenceBoundAndLeaseAre() {
        WatchOptions options = WatchOptions.every(Duration.ofSeconds(1)).confirmWithin(Duration.ofMillis(300));
        assertThat(options).isEqualTo(WatchOptions.every(Duration.ofSeconds(1)).confirmWithin(Duration.ofMillis(300)))
                .hasSameHashCodeAs(WatchOptions.every(Duration.ofSeconds(1)).confirmWithin(Duration.ofMillis(300)));
        assertThat(options).isNotEqualTo(WatchOptions.every(Duration.ofSeconds(2)).confirmWithin(Duration.ofMillis(300)))
                .isNotEqualTo(WatchOptions.every(Duration.ofSeconds(1)).confirmWithin(Duration.ofMillis(400)))
                .isNotEqualTo(options.withLease(Duration.ofSeconds(5)))
                .isNotEqualTo("every PT1S");
        assertThat(options.withLease(Duration.ofSeconds(5))).isEqualTo(options.withLease(Duration.ofSeconds(5)))
                .isNotEqualTo(options.withLease(Duration.ofSeconds(6)));
    }

    @Test
    void optionsPrintTheirCadenceBoundAndLease() {
        WatchOptions options = WatchOptions.every(Duration.ofSeconds(1)).confirmWithin(Duration.ofMillis(300));
        assertThat(options).hasToString("every PT1S, confirmed within PT0.3S");
        assertThat(options.withLease(Duration.ofSeconds(5))).hasToString("every PT1S, confirmed within PT0.3S, lease PT5S");
    }
}
