package dev.dlock.postgresql;

import dev.dlock.LockKey;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.KeyDigest;
import dev.dlock.spi.LockProvider;
import java.util.EnumSet;
import java.util.Set;

/**
 * PostgreSQL advisory locks: exclusive and shared, session and transaction scope. String and byte keys are
 * hashed to a 64-bit advisory key exactly as sqlalchemy-dlock hashes them ({@link KeyDigest}); {@code long}
 * keys are used as they are.
 */
public final class PostgresLockProvider implements LockProvider {
    private static final Set<LockMode> MODES = Set.copyOf(EnumSet.of(LockMode.EXCLUSIVE, LockMode.SHARED));
    private static final Set<LockScope> SCOPES = Set.copyOf(EnumSet.allOf(LockScope.class));

    /** Made by {@link java.util.ServiceLoader}. */
    public PostgresLockProvider() {
    }

    @Override
    public String dialect() {
        return "PostgreSQL";
    }

    @Override
    public boolean handles(String productName, String productVersion) {
        return "PostgreSQL".equals(productName);
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
        return new AdvisoryLock(KeyDigest.toLong(key), options.mode() == LockMode.SHARED,
                options.scope() == LockScope.TRANSACTION);
    }
}
