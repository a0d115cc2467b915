package dev.dlock.tck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where embedded databases keep their files: under the build's {@code target/}, never in {@code /tmp}; all but
 * their Unix sockets, whose paths must be short ({@link SocketDirectory}).
 */
final class WorkDirectory {
    private WorkDirectory() {
    }

    static Path of(String name) {
        Path base = Path.of(System.getProperty("dlock.test.work-dir", "target")).toAbsolutePath().resolve(name);
        try {
            return Files.createDirectories(base);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + base, e);
        }
    }

    /** Deletes {@code root} and everything under it, as far as it can: leftovers only cost disk space. */
    static void delete(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // as above
        }
    }
}
