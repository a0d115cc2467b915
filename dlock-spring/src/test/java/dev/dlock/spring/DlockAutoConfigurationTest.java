package dev.dlock.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.Locks;
import dev.dlock.tck.PostgresDatabase;
import dev.dlock.tck.TestDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.support.locks.DefaultLockRegistry;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * When the auto-configuration makes its beans and when it steps aside, and what {@code dlock.*} settings do, on the
 * embedded PostgreSQL; the application's DataSource is a HikariCP pool bean.
 */
class DlockAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class,
                    DlockLockRegistryAutoConfiguration.class));

    private static HikariDataSource pool() {
        HikariConfig config = new HikariConfig();
        config.setDataSource(new TestDataSource(PostgresDatabase.instance()));
        config.setMaximumPoolSize(4);
        return new HikariDataSource(config);
    }

    @Test
    void bothAutoConfigurationsAreRegisteredForSpringBootToFind() {
        List<String> candidates = ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader())
                .getCandidates();
        assertThat(candidates).contains(DlockAutoConfiguration.class.getName(),
                DlockLockRegistryAutoConfiguration.class.getName());
    }

    @Test
    void oneDataSourceGivesTheLocksAndTheRegistryWithTheDefaultSettings() {
        runner.withBean(DataSource.class, DlockAutoConfigurationTest::pool).run(context -> {
            assertThat(context).hasSingleBean(DataSourceLocks.class).hasSingleBean(DlockLockRegistry.class);
            assertThat(context.getBean(DataSourceLocks.class).dialect()).isEqualTo("PostgreSQL");
            assertThat(context.getBean(DlockProperties.class).getLocksPerSession())
                    .isEqualTo(Locks.DEFAULT_LOCKS_PER_SESSION);
            assertThat(context.getBean(DlockProperties.class).isEnabled()).isTrue();
        });
    }

    @Test
    void noDataSourceNoBeans() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(DataSourceLocks.class)
                .doesNotHaveBean(LockRegistry.class));
    }

    @Test
    void twoDataSourcesWithoutAPrimaryOneNoBeans() {
        runner.withBean("one", DataSource.class, DlockAutoConfigurationTest::pool)
                .withBean("two", DataSource.class, DlockAutoConfigurationTest::pool)
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(DataSourceLocks.class)
                        .doesNotHaveBean(LockRegistry.class));
    }

    @Test
    void twoDataSourcesWithAPrimaryOneGiveTheLocksOnThePrimary() {
        HikariDataSource primary = pool();
        runner.withBean("one", DataSource.class, () -> primary, definition -> definition.setPrimary(true))
                .withBean("two", DataSource.class, DlockAutoConfigurationTest::pool)
                .run(context -> {
                    assertThat(context).hasSingleBean(DataSourceLocks.class).hasSingleBean(LockRegistry.class);
                    Lock lock = context.getBean(LockRegistry.class).obtain("dlock-spring:primary");
                    lock.lock();
                    assertThat(primary.getHikariPoolMXBean().getActiveConnections()).isEqualTo(1);
                    lock.unlock();
                });
    }

    @Test
    void dlockEnabledFalseTurnsBothOff() {
        runner.withBean(DataSource.class, DlockAutoConfigurationTest::pool).withPropertyValues("dlock.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(DataSourceLocks.class)
                        .doesNotHaveBean(LockRegistry.class));
    }

    @Test
    void theApplicationsOwnDataSourceLocksIsWhatTheRegistryUses() {
        HikariDataSource pool = pool();
        runner.withBean(DataSource.class, DlockAutoConfigurationTest::pool)
                .withBean("mine", DataSourceLocks.class, () -> Locks.forDataSource(pool, 1))
                .run(context -> {
                    assertThat(context).hasSingleBean(DataSourceLocks.class).hasBean("mine");
                    Lock lock = context.getBean(LockRegistry.class).obtain("dlock-spring:mine");
                    lock.lock();
                    assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isEqualTo(1);
                    lock.unlock();
                });
        pool.close();
    }

    @Test
    void theApplicationsOwnLockRegistryWins() {
        runner.withBean(DataSource.class, DlockAutoConfigurationTest::pool)
                .withBean(LockRegistry.class, DefaultLockRegistry::new)
                .run(context -> {
                    assertThat(context).hasSingleBean(DataSourceLocks.class).hasSingleBean(LockRegistry.class)
                            .doesNotHaveBean(DlockLockRegistry.class);
                    assertThat(context.getBean(LockRegistry.class)).isInstanceOf(DefaultLockRegistry.class);
                });
    }

    @Test
    void withoutSpringIntegrationOnlyTheLocks() {
        runner.withBean(DataSource.class, DlockAutoConfigurationTest::pool)
                .withClassLoader(new FilteredClassLoader("org.springframework.integration"))
                .run(context -> assertThat(context).hasSingleBean(DataSourceLocks.class)
                        .doesNotHaveBean(DlockLockRegistry.class));
    }

    @Test
    void locksPerSessionIsHowManyHeldLocksShareAConnection() {
        for (int locksPerSession : new int[] {1, 2}) {
            HikariDataSource pool = pool();
            runner.withBean(DataSource.class, () -> pool)
                    .withPropertyValues("dlock.locks-per-session=" + locksPerSession)
                    .run(context -> {
                        assertThat(context.getBean(DlockProperties.class).getLocksPerSession())
                                .isEqualTo(locksPerSession);
                        DataSourceLocks locks = context.getBean(DataSourceLocks.class);
                        DistributedLock first = locks.lock("dlock-spring:per-session-1");
                        DistributedLock second = locks.lock("dlock-spring:per-session-2");
                        assertThat(first.tryAcquire()).isTrue();
                        assertThat(second.tryAcquire()).isTrue();
                        // 1: a connection each; 2: both on one
                        assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isEqualTo(3 - locksPerSession);
                        first.release();
                        second.release();
                        assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
                    });
        }
    }

    @Test
    void locksPerSessionBelowOneFailsStartupNamingTheSetting() {
        runner.withBean(DataSource.class, DlockAutoConfigurationTest::pool)
                .withPropertyValues("dlock.locks-per-session=0")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .rootCause().isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("dlock.locks-per-session must be at least 1"));
    }

    @Test
    void theMetadataDescribesBothSettingsWithTheirDefaults() throws IOException {
        String metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("the configuration processor's output").isNotNull();
            metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(defaultOf(metadata, "dlock.enabled")).isEqualTo("true");
        assertThat(defaultOf(metadata, "dlock.locks-per-session"))
                .isEqualTo(Integer.toString(Locks.DEFAULT_LOCKS_PER_SESSION));
    }

    /** The defaultValue of one property in the metadata's JSON, where the processor writes it. */
    private static String defaultOf(String metadata, String name) {
        Matcher property = Pattern.compile("\\{\\s*\"name\": \"" + Pattern.quote(name)
                + "\",[^}]*\"description\": \"[^\"]+\"[^}]*\"defaultValue\": ([^\\s,}]+)").matcher(metadata);
        assertThat(property.find()).as("%s with a description and a default in %s", name, metadata).isTrue();
        return property.group(1);
    }
}
