package dev.dlock.spring;

import dev.dlock.Locks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code dlock.*} settings of {@link DlockAutoConfiguration}. Only what {@link Locks#forDataSource(
 * javax.sql.DataSource, int)} takes: the dialect is found from the database, and a lock's timeout is each call's
 * own ({@code tryLock(time, unit)}, {@code executeLocked(key, duration, ...)}), as {@link java.util.concurrent.locks.Lock}
 * has it.
 */
@ConfigurationProperties(prefix = "dlock")
public class DlockProperties {
    /**
     * Whether to create the DataSourceLocks bean (and the LockRegistry bean with it) from the application's DataSource.
     */
    private boolean enabled = true;

    /**
     * The most held locks that share one pooled connection; 1 gives each held lock a connection of its own. A session's
     * statements slow down as it holds more locks (on PostgreSQL their cost doubles between 1,000 and 2,000).
     */
    // Locks.DEFAULT_LOCKS_PER_SESSION, written out so that the metadata shows it (a test keeps the two equal)
    private int locksPerSession = 1_000;

    /** @return whether the auto-configuration creates its beans */
    public boolean isEnabled() {
        return enabled;
    }

    /** @param enabled whether the auto-configuration creates its beans */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** @return the most held locks on one pooled connection */
    public int getLocksPerSession() {
        return locksPerSession;
    }

    /**
     * @param locksPerSession the most held locks on one pooled connection, at least 1
     * @throws IllegalArgumentException if it is below 1
     */
    public void setLocksPerSession(int locksPerSession) {
        if (locksPerSession < 1) {
            throw new IllegalArgumentException(
                    "dlock.locks-per-session must be at least 1 (1: a connection per held lock), not " + locksPerSession);
        }
        this.locksPerSession = locksPerSession;
    }
}
