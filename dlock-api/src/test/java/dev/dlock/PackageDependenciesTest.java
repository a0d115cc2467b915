package dev.dlock;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The direction of dependencies between dlock-api's packages, read from the sources: the SPI never reaches
 * into the implementation, and the public package reaches it through one door ({@link Locks}).
 */
class PackageDependenciesTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/dlock");
    private static final Pattern DLOCK_REFERENCE = Pattern.compile("\\bdev\\.dlock\\.(internal|spi)\\.[A-Z]\\w*");

    @Test
    void theSpiUsesNothingOfTheImplementation() throws IOException {
        assertThat(referencesIn("spi")).noneMatch(r -> r.startsWith("dev.dlock.internal."));
    }

    @Test
    void thePublicPackageReachesTheImplementationOnlyThroughLocks() throws IOException {
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> internal = references(file).stream().filter(r -> r.startsWith("dev.dlock.internal."))
                        .toList();
                if (file.getFileName().toString().equals("Locks.java")) {
                    assertThat(internal).as("the front door").isNotEmpty();
                } else {
                    assertThat(internal).as(file.getFileName().toString()).isEmpty();
                }
            }
        }
    }

    private static List<String> referencesIn(String packageDirectory) throws IOException {
        try (Stream<Path> files = Files.list(SOURCES.resolve(packageDirectory))) {
            List<Path> sources = files.filter(f -> f.toString().endsWith(".java")).toList();
            assertThat(sources).as("sources found from " + Path.of("").toAbsolutePath()).isNotEmpty();
            return sources.stream().flatMap(f -> references(f).stream()).toList();
        }
    }

    private static List<String> references(Path file) {
        try {
            Matcher matcher = DLOCK_REFERENCE.matcher(Files.readString(file));
            return matcher.results().map(m -> m.group()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
