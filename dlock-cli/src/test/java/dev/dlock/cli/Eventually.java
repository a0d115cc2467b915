package dev.dlock.cli;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** Waiting for another process's state (a marker file, the server's lock table) up to a deadline. */
final class Eventually {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private Eventually() {
    }

    /**
     * Asks {@code condition} until it is true; fails after a minute.
     *
     * @param what      what is awaited, for the failure message
     * @param condition the question
     */
    static void await(String what, Callable<Boolean> condition) {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        try {
            while (!condition.call()) {
                if (System.nanoTime() - deadline > 0) {
                    fail("not within " + LIMIT + ": " + what);
                }
                Thread.sleep(20); // the interval between questions, not a synchronisation
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (Exception e) {
            throw new AssertionError("asking whether " + what, e);
        }
    }

    /**
     * @param file a file a command writes lines to
     * @param line the line awaited
     */
    static void awaitLine(Path file, String line) {
        await(file.getFileName() + " has the line " + line,
                () -> Files.exists(file) && Files.readAllLines(file).contains(line));
    }
}
