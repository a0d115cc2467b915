package dev.dlock.tck;

import dev.dlock.tck.EmbeddedPostgresPrecondition.CommandRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** iproute2's {@code ip}, run as a command: all {@link NetworkPartition} needs to make, cut and remove its link. */
final class Ip {
    private static final List<Path> BINARIES = List.of(Path.of("/usr/sbin/ip"), Path.of("/sbin/ip"),
            Path.of("/usr/bin/ip"), Path.of("/bin/ip"));

    private Ip() {
    }

    /** @return the {@code ip} binary, if installed */
    static Optional<Path> binary() {
        return BINARIES.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * Runs {@code ip} with {@code arguments}.
     *
     * @param arguments what follows {@code ip}
     * @return what it printed, stripped
     * @throws IOException if it is missing or fails, saying what it printed
     */
    static String run(String... arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(binary().orElseThrow(() -> new IOException("iproute2's ip is not installed")).toString());
        command.addAll(Arrays.asList(arguments));
        CommandRun run = CommandRun.of(command);
        if (run.exitCode() != 0) {
            throw new IOException(run.describeFailure());
        }
        return run.output();
    }

    /**
     * Runs {@code ip} for its effect alone, as in a clean-up that goes on whatever fails.
     *
     * @param arguments what follows {@code ip}
     * @return why it failed, or empty if it did not
     */
    static Optional<String> runQuietly(String... arguments) {
        try {
            run(arguments);
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        }
    }
}
