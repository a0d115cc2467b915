/**
 * MySQL and MariaDB named locks for dlock: {@code GET_LOCK} and {@code RELEASE_LOCK}, exclusive and
 * session-scoped only. {@link dev.dlock.mysql.MariaDbLockProvider} and {@link dev.dlock.mysql.MySqlLockProvider}
 * are found through {@code META-INF/services/dev.dlock.spi.LockProvider}; users never call them.
 */
package dev.dlock.mysql;
