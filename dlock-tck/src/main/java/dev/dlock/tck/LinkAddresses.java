package dev.dlock.tck;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two addresses of a {@link NetworkPartition}'s link: a /30 of 198.18.0.0/15, the range RFC 2544 sets aside for
 * benchmarks, which no real network uses. The first host address of the /30 is the root namespace's end, the
 * second the partition namespace's end.
 *
 * @param block which /30 of the range, from 0 to {@link #BLOCKS} - 1
 */
record LinkAddresses(int block) {
    /** How many /30s there are in a /15. */
    static final int BLOCKS = 1 << 15;
    private static final int RANGE = (198 << 24) | (18 << 16);
    private static final int RANGE_MASK = -1 << 17;
    private static final Pattern INET = Pattern.compile("\\binet (\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)/");

    LinkAddresses {
        if (block < 0 || block >= BLOCKS) {
            throw new IllegalArgumentException("no /30 " + block + " in 198.18.0.0/15");
        }
    }

    /** @return the root namespace's end: where a database listens to be reached through the partition */
    String rootEnd() {
        return dotted(RANGE + block * 4 + 1);
    }

    /** @return the partition namespace's end: where the relay listens, and the address the database sees */
    String namespaceEnd() {
        return dotted(RANGE + block * 4 + 2);
    }

    /**
     * @param seed where to start looking, such as a process id; any value
     * @param used the blocks taken already
     * @return the first block not in {@code used}, from {@code seed}'s block on, wrapping around
     * @throws IllegalStateException if every block is taken
     */
    static LinkAddresses firstFree(long seed, Set<Integer> used) {
        int start = (int) Math.floorMod(seed, (long) BLOCKS);
        for (int i = 0; i < BLOCKS; i++) {
            int block = (start + i) % BLOCKS;
            if (!used.contains(block)) {
                return new LinkAddresses(block);
            }
        }
        throw new IllegalStateException("every /30 of 198.18.0.0/15 is in use");
    }

    /**
     * @param addressList what {@code ip -4 -o address show} printed
     * @return the blocks of the addresses in it that are in 198.18.0.0/15
     */
    static Set<Integer> usedIn(String addressList) {
        Set<Integer> used = new HashSet<>();
        Matcher inet = INET.matcher(addressList);
        while (inet.find()) {
            int address = 0;
            for (int group = 1; group <= 4; group++) {
                address = (address << 8) | Integer.parseInt(inet.group(group));
            }
            if ((address & RANGE_MASK) == RANGE) {
                used.add((address - RANGE) >>> 2);
            }
        }
        return used;
    }

    private static String dotted(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "."
                + (address & 0xff);
    }
}
