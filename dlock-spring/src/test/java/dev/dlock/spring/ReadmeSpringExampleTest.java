package dev.dlock.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.tck.PostgresDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.support.locks.LockRegistry;
import org.springframework.stereotype.Component;

/**
 * The README's "Spring" example, as written there: the application.properties keys, and a component that gets the
 * registry injected ({@link NightlyReport}, below). Two contexts on the embedded PostgreSQL are two nodes of the
 * application.
 */
class ReadmeSpringExampleTest {

    private final ApplicationContextRunner node = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, DlockAutoConfiguration.class,
                    DlockLockRegistryAutoConfiguration.class))
            .withPropertyValues(
                    "spring.datasource.url=" + PostgresDatabase.instance().url(),
                    "dlock.locks-per-session=1000")
            .withUserConfiguration(NightlyReport.class);

    @Test
    void theReadmeShowsThisCodeAndTheseSettings() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String source = Files.readString(Path.of("src", "test", "java", "dev", "dlock", "spring",
                "ReadmeSpringExampleTest.java"));
        String from = "// --- the README's example, from here ---\n";
        String to = "    // --- to here ---\n";
        String example = source.substring(source.indexOf(from) + from.length(), source.indexOf(to)) + "}\n";
        assertThat(readme).contains("```java\n" + example + "```");
        assertThat(readme).contains("\ndlock.locks-per-session=1000\n");
    }

    @Test
    void theReportRunsOnTheNodeThatGetsTheLockAndTheOtherSkipsIt() {
        node.run(a -> node.run(b -> {
            NightlyReport onA = a.getBean(NightlyReport.class);
            NightlyReport onB = b.getBean(NightlyReport.class);
            assertThat(onA.runIfFree()).isTrue();
            assertThat(onA.written).hasValue(1);

            Lock reportOnB = b.getBean(LockRegistry.class).obtain("report:nightly");
            reportOnB.lock();
            assertThat(onA.runIfFree()).isFalse();
            reportOnB.unlock();

            Lock exportOnB = b.getBean(LockRegistry.class).obtain("export:7");
            exportOnB.lock();
            assertThatThrownBy(() -> onA.export(7)).isInstanceOf(TimeoutException.class); // after its 5 seconds
            exportOnB.unlock();
            assertThat(onA.written).hasValue(1);

            onA.export(7);
            onB.export(7);
            assertThat(onA.written).hasValue(2);
            assertThat(onB.written).hasValue(1);
        }));
    }
}

// --- the README's example, from here ---
@Component
class NightlyReport {
    private final LockRegistry locks;

    NightlyReport(LockRegistry locks) {        // a DlockLockRegistry on the application's DataSource
        this.locks = locks;
    }

    /** One node at a time writes the report; the others skip it. */
    boolean runIfFree() {
        Lock lock = locks.obtain("report:nightly");
        if (!lock.tryLock()) {
            return false;
        }
        try {
            write();
        } finally {
            lock.unlock();
        }
        return true;
    }

    /** Waits up to 5 seconds for the export's lock, or throws TimeoutException. */
    void export(long id) throws Exception {
        locks.executeLocked("export:" + id, Duration.ofSeconds(5), () -> write());
    }
    // --- to here ---

    final AtomicInteger written = new AtomicInteger();

    private void write() {
        written.incrementAndGet();
    }
}
