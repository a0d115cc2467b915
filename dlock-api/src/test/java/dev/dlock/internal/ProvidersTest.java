package dev.dlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DialectNotFoundException;
import dev.dlock.Locks;
import dev.dlock.internal.FakeDialects.FakeConnection;
import dev.dlock.spi.LockProvider;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provider discovery when providers on the class path are broken, or there are none. */
class ProvidersTest {

    @Test
    void aProviderThatFailsToLoadHidesNoOtherAndIsNamedWhenNoneHandlesTheDatabase(@TempDir Path jar)
            throws Exception {
        Path services = Files.createDirectories(jar.resolve("META-INF/services"));
        Files.writeString(services.resolve(LockProvider.class.getName()),
                "dev.dlock.internal.FakeDialects$Plain\ncom.example.dlock.NoSuchProvider\n"
                        + "dev.dlock.internal.FakeDialects$Plus\n");
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader withABrokenJar = new URLClassLoader(new URL[] {jar.toUri().toURL()}, before)) {
            thread.setContextClassLoader(withABrokenJar);
            Providers.Discovered discovered = Providers.discovered();
            assertThat(discovered.providers()).extracting(LockProvider::dialect)
                    .containsExactly("FakeDB Plus", "FakeDB");
            assertThat(discovered.failures()).singleElement().asString().contains("com.example.dlock.NoSuchProvider")
                    .as("no cause to add").doesNotContain("(null)");
            assertThat(Locks.forConnection(new FakeConnection("FakeDB", "1.0").connection, "k").dialect())
                    .isEqualTo("FakeDB");
            assertThatThrownBy(() -> Locks.forConnection(new FakeConnection("H2", "2.2").connection, "k"))
                    .isInstanceOf(DialectNotFoundException.class)
                    .hasMessageContaining("failed to load").hasMessageContaining("com.example.dlock.NoSuchProvider");
        } finally {
            thread.setContextClassLoader(before);
        }
        assertThat(Providers.discovered().failures()).as("the class path without the broken jar").isEqualTo(List.of());
    }

    @Test
    void aProviderThatFailsAsItIsMadeIsNamedWithItsCause(@TempDir Path jar) throws Exception {
        Path services = Files.createDirectories(jar.resolve("META-INF/services"));
        Files.writeString(services.resolve(LockProvider.class.getName()), "dev.dlock.internal.FakeDialects$Broken\n");
        Providers.Discovered discovered = discoveredThrough(jar);
        assertThat(discovered.providers()).extracting(LockProvider::dialect).containsExactly("FakeDB Plus", "FakeDB");
        assertThat(discovered.failures()).singleElement().asString().contains("FakeDialects$Broken")
                .contains("(java.lang.IllegalStateException: FakeDB Broken needs a class that is missing)");
    }

    @Test
    void fiftyFailuresInARowAreAsManyAsAreCollected(@TempDir Path jar) throws Exception {
        Path services = Files.createDirectories(jar.resolve("META-INF/services"));
        StringBuilder missing = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            missing.append("com.example.dlock.Missing").append(i).append('\n');
        }
        Files.writeString(services.resolve(LockProvider.class.getName()), missing);
        Providers.Discovered discovered = discoveredThrough(jar);
        assertThat(discovered.failures()).hasSize(50);
        assertThat(discovered.providers()).extracting(LockProvider::dialect).containsExactly("FakeDB Plus", "FakeDB");
    }

    @Test
    void noProviderAtAllIsSaid() throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            thread.setContextClassLoader(empty);
            assertThatThrownBy(() -> Locks.forConnection(new FakeConnection("FakeDB", "1.0").connection, "k"))
                    .isInstanceOf(DialectNotFoundException.class).hasMessageContaining("providers found: none;");
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    @Test
    void aProviderDeclinesNothingUnlessItSaysSo() {
        assertThat(new FakeDialects.Plus().declines("H2", "2.2")).isNull();
    }

    private static Providers.Discovered discoveredThrough(Path jar) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader withABrokenJar = new URLClassLoader(new URL[] {jar.toUri().toURL()}, before)) {
            thread.setContextClassLoader(withABrokenJar);
            return Providers.discovered();
        } finally {
            thread.setContextClassLoader(before);
        }
    }
}
