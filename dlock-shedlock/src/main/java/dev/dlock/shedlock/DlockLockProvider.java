package dev.dlock.shedlock;

import dev.dlock.DataSourceLocks;
import dev.dlock.DistributedLock;
import dev.dlock.Locks;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * A ShedLock {@link net.javacrumbs.shedlock.core.LockProvider} on the database's native locks (PostgreSQL advisory
 * locks, MySQL and MariaDB named locks, SQL Server application locks, Oracle user locks), through dlock's
 * {@link DataSourceLocks}. No table, no schema, no clock: the database session holds the lock, so a node that dies
 * frees its locks when its session ends, at once, instead of after {@code lockAtMostFor}.
 *
 * <pre>{@code
 * @Bean
 * LockProvider lockProvider(DataSource dataSource) {
 *     return new DlockLockProvider(dataSource);
 * }
 * }</pre>
 *
 * <p><b>Keys.</b> A ShedLock name becomes the dlock key {@code keyPrefix + name} ({@link #keyFor(String)}); the prefix
 * is empty unless given, so the job {@code "data-sync"} locks the dlock key {@code "data-sync"}, the same database
 * lock that {@code Locks.forConnection(conn, "data-sync")} or sqlalchemy-dlock takes. The dialect's key rules apply
 * (MySQL and MariaDB: at most 64 characters, prefix included): a name the database cannot take is an
 * {@link IllegalArgumentException} from {@link #lock}, never a quiet {@link Optional#empty()}.
 *
 * <p><b>What ShedLock's settings become.</b>
 * <ul>
 *   <li>{@link #lock} makes one attempt and never waits ({@link DistributedLock#tryAcquire()}): empty when the name
 *       is held elsewhere, by another node or by another lock of this provider.</li>
 *   <li>{@code lockAtLeastFor}: an {@link SimpleLock#unlock() unlock} before {@code lockAtLeastFor} has passed since
 *       the lock was granted returns at once, and the release is sent when it has passed, by one shared daemon
 *       thread for every provider (no thread waits per lock). Only while this process lives: a node that dies
 *       meanwhile, or closes its pool at shutdown, frees its lock at once, so another node may run the job sooner
 *       than {@code lockAtLeastFor} (a table-based provider would keep the row). The pending release then reports
 *       that at {@code INFO}, and a release that fails at {@code WARNING}, through {@link System.Logger} under this
 *       class's name.</li>
 *   <li>{@code lockAtMostFor} is not a release time here: the lock is held until unlocked or until its database
 *       session ends. A table row cannot tell a dead node from a slow one, so ShedLock frees it after
 *       {@code lockAtMostFor} and asks for that to be longer than any run; the database session tells them apart.
 *       A node that dies (the process exits or crashes, its connection is killed) frees the lock at once; a node
 *       whose host vanishes frees it when the server's TCP gives up on the connection (its keepalive and
 *       retransmission settings). A live node that is paused or hung keeps it until it resumes and unlocks, or its
 *       session is ended: releasing a live holder's lock at {@code lockAtMostFor} would let a second node start the
 *       job while the first still runs it, the one thing the lock is for. {@code lockAtMostFor} is checked as
 *       ShedLock checks it and otherwise unused.</li>
 *   <li>{@link SimpleLock#extend(Duration, Duration) extend} (this is an {@link ExtensibleLockProvider}, so ShedLock's
 *       {@code KeepAliveLockProvider} can wrap it): a native lock has no lease to lengthen, so extending asks the
 *       database whether this session still holds the lock (one round trip) and returns a new {@link SimpleLock} for
 *       the same held lock, with the new {@code lockAtLeastFor} counted from now; empty when the lock was lost (its
 *       session ended), which is then forgotten. Either way the old {@link SimpleLock} is spent.</li>
 * </ul>
 *
 * <p>Held locks share the pool's connections, up to {@link Locks#DEFAULT_LOCKS_PER_SESSION} on one, and a
 * {@link #lock} call, which never waits for the lock, runs on a shared connection whose turn is free, or on one more
 * borrowed when none is (see {@link DataSourceLocks}): a small pool serves a service's jobs. Thread-safe. A
 * {@link SimpleLock} is for one caller: unlock or extend it once.
 */
public final class DlockLockProvider implements ExtensibleLockProvider {
    private final DataSourceLocks locks;
    private final String keyPrefix;

    /**
     * Locks over the pool {@code dataSource}, keyed by the ShedLock name itself. Borrows one connection now, to find the
     * dialect, and gives it back ({@link Locks#forDataSource(DataSource)}).
     *
     * @param dataSource the pool
     * @throws NullPointerException              if {@code dataSource} is null
     * @throws dev.dlock.DialectNotFoundException if no dialect on the class path handles the database
     * @throws dev.dlock.DistributedLockException if no connection could be had
     */
    public DlockLockProvider(DataSource dataSource) {
        this(Locks.forDataSource(Objects.requireNonNull(dataSource, "dataSource")));
    }

    /**
     * Locks through {@code locks}, keyed by the ShedLock name itself.
     *
     * @param locks the data source's locks, as {@link Locks#forDataSource} makes them
     * @throws NullPointerException if {@code locks} is null
     */
    public DlockLockProvider(DataSourceLocks locks) {
        this(locks, "");
    }

    /**
     * Locks through {@code locks}, the ShedLock name {@code n} keyed as {@code keyPrefix + n}: to keep the jobs' locks
     * apart from other users of the same names.
     *
     * @param locks     the data source's locks, as {@link Locks#forDataSource} makes them
     * @param keyPrefix put before every name; may be empty
     * @throws NullPointerException if {@code locks} or {@code keyPrefix} is null
     */
    public DlockLockProvider(DataSourceLocks locks, String keyPrefix) {
        this.locks = Objects.requireNonNull(locks, "locks");
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
    }

    /**
     * One attempt at the lock named {@code lockConfiguration.getName()}, without waiting.
     *
     * @param lockConfiguration ShedLock's name, {@code lockAtLeastFor} and {@code lockAtMostFor} (see the class)
     * @return the held lock, or empty if it is held elsewhere (by another node, or another lock of this provider)
     * @throws NullPointerException               if {@code lockConfiguration} is null
     * @throws IllegalArgumentException           if the dialect cannot take the key (too long, a NUL); nothing is sent
     * @throws dev.dlock.DistributedLockException if the database failed; nothing is held
     */
    @Override
    public Optional<SimpleLock> lock(LockConfiguration lockConfiguration) {
        Objects.requireNonNull(lockConfiguration, "lockConfiguration");
        DistributedLock lock = locks.lock(keyFor(lockConfiguration.getName()));
        if (!lock.tryAcquire()) {
            return Optional.empty();
        }
        return Optional.of(new HeldLock(lock, lockConfiguration.getName(), lockConfiguration.getLockAtLeastFor()));
    }

    /**
     * @param lockName a ShedLock lock name
     * @return the dlock key it is locked under: the key prefix followed by the name
     * @throws NullPointerException if {@code lockName} is null
     */
    public String keyFor(String lockName) {
        return keyPrefix + Objects.requireNonNull(lockName, "lockName");
    }

    @Override
    public String toString() {
        return "DlockLockProvider[" + locks.dialect() + (keyPrefix.isEmpty() ? "" : ", key prefix '" + keyPrefix + "'")
                + "]";
    }
}
