package dev.dlock.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The CPU time this JVM uses, as the operating system counts it, read in snapshots at the two ends of a window.
 *
 * <p>Two counts. The JVM's process CPU time ({@code OperatingSystemMXBean.getProcessCpuTime()}: every thread,
 * including those that ended) comes in the scheduler's ticks, 10 ms on Linux: in a window of 5 s, one tick is
 * 0.2% of a core, more than threads that merely wait use. So on Linux the figure is the sum over the process's
 * threads of the time each has run, from {@code /proc/self/task/<tid>/schedstat} in nanoseconds: the JVM's own
 * threads (compiler, GC, periodic tasks) and the program's alike, but not the thread that takes the snapshots,
 * so that reading the files does not land in the figure. A thread that ends within the window takes its time
 * there with it; the windows measured have no thread start or end in them.
 */
final class ProcessCpu {
    private static final Path TASKS = Path.of("/proc/self/task");
    private static final int BUSIEST = 3;
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private ProcessCpu() {
    }

    /** The counts at one moment. */
    record Snapshot(long wallNanos, long processNanos, Map<Long, Long> threadNanos) {
        /** @return the counts now; {@code threadNanos} is empty where {@code /proc} has no schedstat */
        static Snapshot now() {
            Map<Long, Long> threads = threads();
            return new Snapshot(System.nanoTime(), OS.getProcessCpuTime(), threads);
        }

        /**
         * @param start the snapshot at the start of the window
         * @return CPU use from {@code start} to this snapshot
         */
        Usage since(Snapshot start) {
            long wall = wallNanos - start.wallNanos;
            double process = 100.0 * (processNanos - start.processNanos) / wall;
            if (threadNanos.isEmpty()) {
                return new Usage(wall, process, process, List.of());
            }
            long threads = 0;
            Map<Long, Long> used = new HashMap<>();
            for (Map.Entry<Long, Long> thread : threadNanos.entrySet()) {
                long nanos = thread.getValue() - start.threadNanos.getOrDefault(thread.getKey(), 0L);
                threads += nanos;
                used.put(thread.getKey(), nanos);
            }
            List<String> busiest = used.entrySet().stream()
                    .filter(e -> e.getValue() > 0)
                    .sorted(Map.Entry.<Long, Long>comparingByValue().reversed())
                    .limit(BUSIEST)
                    .map(e -> String.format(Locale.ROOT, "%s %.1f ms", name(e.getKey()), e.getValue() / 1e6))
                    .toList();
            return new Usage(wall, 100.0 * threads / wall, process, busiest);
        }
    }

    /**
     * CPU use over a window, in percent of one core.
     *
     * @param wallNanos    the window's length
     * @param percent      the figure: the threads' sum where there is one, else the process's ticks
     * @param ticksPercent the process's CPU time (10 ms ticks on Linux), for comparison
     * @param busiest      the threads that ran longest in the window, by name (as the OS knows it, cut to 15
     *                     characters) with their time; empty without per-thread figures
     */
    record Usage(long wallNanos, double percent, double ticksPercent, List<String> busiest) {
    }

    /** @return the thread's name as the OS knows it, read after the window */
    private static String name(long tid) {
        try {
            return Files.readString(TASKS.resolve(Long.toString(tid)).resolve("comm")).strip();
        } catch (IOException | RuntimeException ended) {
            return "thread " + tid;
        }
    }

    /** @return each thread's time on a CPU so far, by thread id, but the calling thread's; empty without /proc */
    private static Map<Long, Long> threads() {
        Map<Long, Long> threads = new HashMap<>();
        String self;
        try {
            // "<pid>/task/<tid>": the calling thread
            self = Path.of("/proc/thread-self").toRealPath().getFileName().toString();
        } catch (IOException | RuntimeException e) {
            return threads;
        }
        try (Stream<Path> tasks = Files.list(TASKS)) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String tid = task.getFileName().toString();
                if (tid.equals(self)) {
                    continue;
                }
                try {
                    String schedstat = Files.readString(task.resolve("schedstat"));
                    threads.put(Long.parseLong(tid), Long.parseLong(schedstat.substring(0, schedstat.indexOf(' '))));
                } catch (IOException | RuntimeException ended) {
                    // the thread ended between the listing and the reading
                }
            }
        } catch (IOException | RuntimeException e) {
            threads.clear();
        }
        return threads;
    }
}
