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

/** Provider discovery when one provider on the class path is broken. */
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
            assertThat(discovered.failures()).singleElement().asString().contains("com.example.dlock.NoSuchProvider");
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
}
