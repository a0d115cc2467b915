package dev.dlock.tck;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one reliability test class did, counted so the numbers can be quoted: grants checked against the ledger,
 * faults injected, bad inputs tried, and invariant violations found. Printed once per class, on one line that
 * starts with {@code [dlock-reliability]}.
 */
public final class ReliabilityTally {
    private final String suite;
    private final AtomicLong grantsChecked = new AtomicLong();
    private final AtomicLong faultsInjected = new AtomicLong();
    private final AtomicLong badInputsTried = new AtomicLong();
    private final AtomicLong violationsFound = new AtomicLong();

    /** @param suite the name printed with the counts */
    public ReliabilityTally(String suite) {
        this.suite = suite;
    }

    /** @param n grants checked against the ledger */
    public void grants(long n) {
        grantsChecked.addAndGet(n);
    }

    /** Counts one fault injected (a killed session, a stopped server, an interrupt, a cancel, a failed statement). */
    public void fault() {
        faultsInjected.incrementAndGet();
    }

    /** @param n faults injected */
    public void faults(long n) {
        faultsInjected.addAndGet(n);
    }

    /** Counts one bad input tried. */
    public void badInput() {
        badInputsTried.incrementAndGet();
    }

    /** @param n bad inputs tried */
    public void badInputs(long n) {
        badInputsTried.addAndGet(n);
    }

    /** @param n invariant violations found */
    public void violations(long n) {
        violationsFound.addAndGet(n);
    }

    /** @return whether nothing was counted */
    public boolean isEmpty() {
        return grantsChecked.get() == 0 && faultsInjected.get() == 0 && badInputsTried.get() == 0
                && violationsFound.get() == 0;
    }

    /** @return grants checked so far */
    public long grantsChecked() {
        return grantsChecked.get();
    }

    /** @return the counts on one line */
    public String summary() {
        return String.format(Locale.ROOT, "[dlock-reliability] %s: grants checked %d, faults injected %d,"
                + " bad inputs tried %d, violations found %d", suite, grantsChecked.get(), faultsInjected.get(),
                badInputsTried.get(), violationsFound.get());
    }

    /**
     * Prints one more line of this suite's counts.
     *
     * @param text what was counted
     */
    public void print(String text) {
        System.out.println("[dlock-reliability] " + suite + ": " + text);
    }

    /** Prints {@link #summary()} to standard output. */
    public void print() {
        System.out.println(summary());
    }
}
