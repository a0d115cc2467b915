package dev.dlock.oracle;

import dev.dlock.LockKey;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.KeyDigest;
import dev.dlock.spi.LockProvider;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;

/**
 * Oracle user locks ({@code SYS.DBMS_LOCK.REQUEST} / {@code RELEASE}) for connections whose driver reports the
 * product {@code "Oracle"}. The database user needs {@code GRANT EXECUTE ON SYS.DBMS_LOCK}; without it every
 * request fails with a {@link dev.dlock.DistributedLockException} that says so.
 *
 * <p>Every mode but {@link LockMode#UPDATE}: {@link LockMode#NULL} ({@code NL_MODE}, 1),
 * {@link LockMode#INTENT_SHARED} ({@code SS_MODE}, 2), {@link LockMode#INTENT_EXCLUSIVE} ({@code SX_MODE}, 3),
 * {@link LockMode#SHARED} ({@code S_MODE}, 4), {@link LockMode#SHARED_INTENT_EXCLUSIVE} ({@code SSX_MODE}, 5),
 * {@link LockMode#EXCLUSIVE} ({@code X_MODE}, 6). Scope {@link LockScope#SESSION} is
 * {@code release_on_commit => FALSE}, {@link LockScope#TRANSACTION} is {@code release_on_commit => TRUE}; both can
 * be released early.
 *
 * <p>The lock id ({@link dev.dlock.DistributedLock#databaseKey()}, a {@link Long}) is the one sqlalchemy-dlock
 * derives: a string's UTF-8 bytes, or a byte key as it is, hashed with BLAKE2b to 8 bytes, read as a
 * little-endian unsigned integer, modulo 2<sup>30</sup>, so 0..1073741823. A {@code long} key is the lock id
 * itself and must already be in that range ({@link IllegalArgumentException} otherwise; sqlalchemy-dlock would
 * wrap it silently, which maps distinct keys to one lock).
 */
public final class OracleLockProvider implements LockProvider {
    /** The highest lock id DBMS_LOCK leaves to applications (1073741824 and up are Oracle's). */
    static final long MAX_LOCK_ID = (1L << 30) - 1;

    private static final Set<LockMode> MODES = Set.copyOf(EnumSet.complementOf(EnumSet.of(LockMode.UPDATE)));
    private static final Set<LockScope> SCOPES = Set.copyOf(EnumSet.allOf(LockScope.class));

    /** Made by {@link java.util.ServiceLoader}. */
    public OracleLockProvider() {
    }

    @Override
    public String dialect() {
        return "Oracle";
    }

    @Override
    public boolean handles(String productName, String productVersion) {
        return "Oracle".equals(productName);
    }

    @Override
    public Set<LockMode> supportedModes() {
        return MODES;
    }

    @Override
    public Set<LockScope> supportedScopes() {
        return SCOPES;
    }

    @Override
    public DialectLock lockFor(LockKey key, LockOptions options) {
        return new UserLock(lockId(key), lockMode(options.mode()), options.scope() == LockScope.TRANSACTION);
    }

    static long lockId(LockKey key) {
        if (key instanceof LockKey.Numeric numeric) {
            long id = numeric.value();
            if (id < 0 || id > MAX_LOCK_ID) {
                throw new IllegalArgumentException("an Oracle user lock id is 0.." + MAX_LOCK_ID + " (DBMS_LOCK keeps"
                        + " higher ids for Oracle's own products), not " + id);
            }
            return id;
        }
        if (key instanceof LockKey.Text text) {
            return lockId(text.value().getBytes(StandardCharsets.UTF_8));
        }
        return lockId(((LockKey.Bytes) key).value());
    }

    /** sqlalchemy-dlock's id: BLAKE2b-64, little-endian unsigned, modulo 2^30. */
    static long lockId(byte[] bytes) {
        return Long.remainderUnsigned(KeyDigest.blake2b64(bytes), MAX_LOCK_ID + 1);
    }

    static int lockMode(LockMode mode) {
        switch (mode) {
            case NULL:
                return 1;
            case INTENT_SHARED:
                return 2;
            case INTENT_EXCLUSIVE:
                return 3;
            case SHARED:
                return 4;
            case SHARED_INTENT_EXCLUSIVE:
                return 5;
            case EXCLUSIVE:
                return 6;
            default:
                // the API checks options against supportedModes() first
                throw new IllegalArgumentException("Oracle has no user lock mode " + mode);
        }
    }
}
