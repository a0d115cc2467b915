package dev.dlock.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code java -jar dlock.jar ...} as a process of its own, the way a shell or cron runs it: the jar the package phase
 * built ({@code dlock.cli.jar}), a clean environment (no {@code DLOCK_*} of the test JVM's), standard output and
 * error in files, standard input a pipe the test writes to (the command inherits it: a command that reads a line
 * ends when the test says so).
 */
final class DlockProcess implements AutoCloseable {
    /** Longer than anything a test waits for; a run still going then is a failure, not a hang. */
    static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final OutputStream stdin;

    private DlockProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.stdin = process.getOutputStream();
    }

    /** @return the shaded jar under test */
    static Path jar() {
        String jar = System.getProperty("dlock.cli.jar");
        assertThat(jar).as("system property dlock.cli.jar (set by the build: the tests run in integration-test)")
                .isNotNull();
        assertThat(Path.of(jar)).exists();
        return Path.of(jar);
    }

    /**
     * @param directory   where the output files go, and the command's working directory
     * @param environment added to a copy of this JVM's environment from which every {@code DLOCK_*} is removed
     * @param args        dlock's arguments
     * @return the started process
     */
    static DlockProcess start(Path directory, Map<String, String> environment, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        int run = RUNS.incrementAndGet();
        Path stdout = directory.resolve("dlock-" + run + ".out");
        Path stderr = directory.resolve("dlock-" + run + ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("DLOCK_"));
        builder.environment().putAll(environment);
        try {
            return new DlockProcess(builder.start(), stdout, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return dlock's exit status, once it has ended (within {@link #PATIENCE}) */
    int exitStatus() {
        try {
            if (!process.waitFor(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                close();
                fail("dlock did not end within " + PATIENCE + "; stderr: " + stderr());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return process.exitValue();
    }

    /** Writes a line to dlock's standard input, which its command reads. */
    void tell(String line) {
        try {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the dlock process, to signal it */
    Process process() {
        return process;
    }

    String stderr() {
        return read(stderr);
    }

    String stdout() {
        return read(stdout);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills dlock and everything it started, if still alive: a failed test leaves nothing running. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
