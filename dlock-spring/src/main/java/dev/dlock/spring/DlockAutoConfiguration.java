package dev.dlock.spring;

import dev.dlock.DataSourceLocks;
import dev.dlock.Locks;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot auto-configuration of dlock over the application's {@link DataSource}: a {@link DataSourceLocks} bean
 * ({@link Locks#forDataSource(DataSource, int)}, with {@code dlock.locks-per-session}); when Spring Integration is on
 * the class path, {@link DlockLockRegistryAutoConfiguration} adds a {@link DlockLockRegistry} on it.
 *
 * <p>It steps aside when there is no single {@code DataSource} (none, or several without a primary one), when
 * {@code dlock.enabled=false}, or when the application defines its own {@code DataSourceLocks}. Making the
 * {@code DataSourceLocks} borrows one connection to find the dialect, so the database must answer at startup; the
 * dialect jar of the database ({@code dlock-postgresql}, {@code dlock-mysql}, ...) must be on the class path, or
 * startup fails with {@link dev.dlock.DialectNotFoundException} naming the one to add.
 */
@AutoConfiguration(after = DataSourceAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "dlock.enabled", matchIfMissing = true)
@ConditionalOnSingleCandidate(DataSource.class)
@EnableConfigurationProperties(DlockProperties.class)
public class DlockAutoConfiguration {

    /**
     * @param dataSource the application's data source
     * @param properties the {@code dlock.*} settings
     * @return locks over {@code dataSource}
     */
    @Bean
    @ConditionalOnMissingBean
    public DataSourceLocks dataSourceLocks(DataSource dataSource, DlockProperties properties) {
        return Locks.forDataSource(dataSource, properties.getLocksPerSession());
    }
}
