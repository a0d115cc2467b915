package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Which /30 of 198.18.0.0/15 a {@link NetworkPartition} takes, and how it sees those taken already. */
class LinkAddressesTest {

    @Test
    void theFirstAndLastBlocksSpanTheRange() {
        assertThat(new LinkAddresses(0).rootEnd()).isEqualTo("198.18.0.1");
        assertThat(new LinkAddresses(0).namespaceEnd()).isEqualTo("198.18.0.2");
        assertThat(new LinkAddresses(64).rootEnd()).isEqualTo("198.18.1.1");
        LinkAddresses last = new LinkAddresses(LinkAddresses.BLOCKS - 1);
        assertThat(last.rootEnd()).isEqualTo("198.19.255.253");
        assertThat(last.namespaceEnd()).isEqualTo("198.19.255.254");
        assertThatThrownBy(() -> new LinkAddresses(LinkAddresses.BLOCKS)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSeedsBlockIsTakenUnlessUsedThenTheNextWrappingAround() {
        assertThat(LinkAddresses.firstFree(12_345, Set.of()).block()).isEqualTo(12_345);
        assertThat(LinkAddresses.firstFree(LinkAddresses.BLOCKS + 7L, Set.of(7, 8)).block()).isEqualTo(9);
        assertThat(LinkAddresses.firstFree(-1, Set.of(LinkAddresses.BLOCKS - 1)).block()).isZero();
    }

    @Test
    void everyBlockUsedIsAnError() {
        Set<Integer> all = IntStream.range(0, LinkAddresses.BLOCKS).boxed().collect(Collectors.toSet());
        assertThatThrownBy(() -> LinkAddresses.firstFree(0, all)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theBlocksInUseAreReadFromIpAddressShowAndOthersIgnored() {
        String addresses = String.join("\n",
                "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
                "2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever",
                "9: dl4242r0    inet 198.18.0.5/30 scope global dl4242r0\\       valid_lft forever",
                "11: dl4243r0    inet 198.19.255.253/30 scope global dl4243r0\\       valid_lft forever",
                "12: other    inet 198.20.0.1/24 scope global other\\       valid_lft forever",
                "13: other2    inet 198.17.255.254/24 scope global other2\\       valid_lft forever");
        assertThat(LinkAddresses.usedIn(addresses)).containsExactlyInAnyOrder(1, LinkAddresses.BLOCKS - 1);
    }
}
