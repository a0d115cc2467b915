package dev.dlock.mssql;

import dev.dlock.LockKey;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockNames;
import dev.dlock.spi.LockProvider;
import java.util.EnumSet;
import java.util.Set;

/**
 * SQL Server application locks ({@code sp_getapplock} / {@code sp_releaseapplock}) for connections whose driver
 * reports the product {@code "Microsoft SQL Server"}.
 *
 * <p>Modes {@link LockMode#EXCLUSIVE}, {@link LockMode#SHARED}, {@link LockMode#UPDATE},
 * {@link LockMode#INTENT_SHARED} and {@link LockMode#INTENT_EXCLUSIVE}; scopes {@link LockScope#SESSION}
 * ({@code @LockOwner = 'Session'}) and {@link LockScope#TRANSACTION} ({@code @LockOwner = 'Transaction'}, which
 * SQL Server can also release before the transaction ends).
 *
 * <p>The key becomes the lock's {@code @Resource}, as sqlalchemy-dlock makes it: a string as it is, a {@code long}
 * as its decimal digits, a byte array decoded as UTF-8 (malformed UTF-8 is an {@link IllegalArgumentException}).
 * SQL Server silently truncates a resource name to 255 characters, so two long names could be one lock: names
 * over 255 UTF-16 code units (the unit of {@code nvarchar(255)}) are an {@link IllegalArgumentException}. The name
 * is always bound as a parameter and compared by SQL Server byte for byte (case-sensitive).
 */
public final class SqlServerLockProvider implements LockProvider {
    /** {@code @Resource} is {@code nvarchar(255)}. */
    static final int MAX_RESOURCE_LENGTH = 255;

    private static final Set<LockMode> MODES = Set.copyOf(EnumSet.of(LockMode.EXCLUSIVE, LockMode.SHARED,
            LockMode.UPDATE, LockMode.INTENT_SHARED, LockMode.INTENT_EXCLUSIVE));
    private static final Set<LockScope> SCOPES = Set.copyOf(EnumSet.allOf(LockScope.class));

    /** Made by {@link java.util.ServiceLoader}. */
    public SqlServerLockProvider() {
    }

    @Override
    public String dialect() {
        return "SQL Server";
    }

    @Override
    public boolean handles(String productName, String productVersion) {
        return "Microsoft SQL Server".equals(productName);
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
        String resource = LockNames.of(key);
        if (resource.length() > MAX_RESOURCE_LENGTH) {
            throw new IllegalArgumentException("SQL Server application lock names are at most " + MAX_RESOURCE_LENGTH
                    + " characters (SQL Server would silently cut the rest off); this one has " + resource.length()
                    + ": " + key);
        }
        return new ApplicationLock(resource, lockMode(options.mode()), options.scope() == LockScope.TRANSACTION);
    }

    private static String lockMode(LockMode mode) {
        switch (mode) {
            case EXCLUSIVE:
                return "Exclusive";
            case SHARED:
                return "Shared";
            case UPDATE:
                return "Update";
            case INTENT_SHARED:
                return "IntentShared";
            case INTENT_EXCLUSIVE:
                return "IntentExclusive";
            default:
                // the API checks options against supportedModes() first
                throw new IllegalArgumentException("SQL Server has no application lock mode " + mode);
        }
    }
}
