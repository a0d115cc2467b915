package dev.dlock.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dlock.Locks;
import dev.dlock.tck.PostgresDatabase;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The jars as modules: dlock-api and this dialect, resolved on a module layer of their own (the tests run on
 * the class path), take a real lock through {@code Locks.forConnection}, the provider found through the
 * descriptors' {@code uses} and {@code provides} alone.
 */
class ModulePathTest {

    @Test
    void theDialectLoadsOnTheModulePathAndLocks() throws Exception {
        ModuleFinder jars = ModuleFinder.of(location(Locks.class), location(PostgresLockProvider.class));
        ModuleLayer boot = ModuleLayer.boot();
        Configuration configuration = boot.configuration().resolveAndBind(jars, ModuleFinder.of(), Set.of("dev.dlock"));
        ModuleLayer layer = boot.defineModulesWithOneLoader(configuration, ClassLoader.getPlatformClassLoader());

        Module api = layer.findModule("dev.dlock").orElseThrow();
        assertThat(api.getDescriptor().exports()).extracting(ModuleDescriptor.Exports::source)
                .containsExactlyInAnyOrder("dev.dlock", "dev.dlock.spi");
        assertThat(api.getDescriptor().uses()).containsExactly("dev.dlock.spi.LockProvider");
        Module dialect = layer.findModule("dev.dlock.postgresql").orElseThrow(); // bound as a provider of the service
        assertThat(dialect.getDescriptor().provides()).singleElement()
                .satisfies(p -> assertThat(p.service()).isEqualTo("dev.dlock.spi.LockProvider"))
                .satisfies(p -> assertThat(p.providers()).containsExactly(PostgresLockProvider.class.getName()));

        ClassLoader loader = layer.findLoader("dev.dlock");
        Class<?> locks = loader.loadClass("dev.dlock.Locks");
        Class<?> distributedLock = loader.loadClass("dev.dlock.DistributedLock");
        assertThat(locks.getModule()).as("not the class path's copy").isSameAs(api);

        String key = "module-path-" + System.nanoTime();
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (Connection connection = PostgresDatabase.instance().connect();
             Connection observer = PostgresDatabase.instance().connect()) {
            thread.setContextClassLoader(loader);
            Object lock = locks.getMethod("forConnection", Connection.class, String.class).invoke(null, connection, key);
            assertThat(distributedLock.getMethod("dialect").invoke(lock)).isEqualTo("PostgreSQL");
            assertThat(distributedLock.getMethod("tryAcquire").invoke(lock)).isEqualTo(true);
            long databaseKey = (Long) distributedLock.getMethod("databaseKey").invoke(lock);
            assertThat(PostgresServerView.sessions(observer, databaseKey, true)).isEqualTo(1);
            distributedLock.getMethod("release").invoke(lock);
            assertThat(PostgresServerView.sessions(observer, databaseKey, true)).isZero();
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    @Test
    void internalIsNotExported() throws Exception {
        ModuleDescriptor api = ModuleFinder.of(location(Locks.class)).find("dev.dlock").orElseThrow().descriptor();
        assertThat(api.packages()).contains("dev.dlock.internal");
        assertThat(api.exports()).noneMatch(e -> e.source().equals("dev.dlock.internal"));
        assertThat(api.requires()).extracting(ModuleDescriptor.Requires::name).contains("java.sql");
    }

    private static Path location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
