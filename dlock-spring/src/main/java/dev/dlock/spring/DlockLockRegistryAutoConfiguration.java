package dev.dlock.spring;

import dev.dlock.DataSourceLocks;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * Spring Boot auto-configuration of a {@link DlockLockRegistry}, the application's Spring Integration
 * {@link LockRegistry}, on its single {@link DataSourceLocks} (the one {@link DlockAutoConfiguration} makes, or the
 * application's own). It steps aside without Spring Integration on the class path, without a single
 * {@code DataSourceLocks}, when {@code dlock.enabled=false}, and when the application defines its own
 * {@code LockRegistry}.
 */
@AutoConfiguration(after = DlockAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "dlock.enabled", matchIfMissing = true)
@ConditionalOnClass(LockRegistry.class)
@ConditionalOnSingleCandidate(DataSourceLocks.class)
public class DlockLockRegistryAutoConfiguration {

    /**
     * @param locks the application's {@code DataSourceLocks}
     * @return a lock registry on the database's own locks
     */
    @Bean
    @ConditionalOnMissingBean(LockRegistry.class)
    public DlockLockRegistry dlockLockRegistry(DataSourceLocks locks) {
        return new DlockLockRegistry(locks);
    }
}
