/**
 * dlock for Spring: {@link dev.dlock.spring.DlockLockRegistry}, a Spring Integration
 * {@link org.springframework.integration.support.locks.LockRegistry} on the database's own locks, and
 * {@link dev.dlock.spring.DlockAutoConfiguration} and {@link dev.dlock.spring.DlockLockRegistryAutoConfiguration},
 * which make a {@link dev.dlock.DataSourceLocks} and that registry from the
 * application's {@link javax.sql.DataSource} in a Spring Boot application ({@code dlock.*} settings:
 * {@link dev.dlock.spring.DlockProperties}).
 */
package dev.dlock.spring;
