package dev.dlock.postgresql;

import dev.dlock.LockKey;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.KeyDigest;
import dev.dlock.spi.LockProvider;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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

    /**
     * One question per physical connection, {@code SELECT pg_is_in_recovery(), version()}: a hot standby grants
     * advisory locks that exclude nobody on the primary, and CockroachDB, which reports itself as PostgreSQL,
     * has {@code pg_advisory_lock} functions that lock nothing.
     */
    @Override
    public String refuses(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_is_in_recovery(), version()");
             ResultSet rs = statement.executeQuery()) {
            rs.next();
            String version = String.valueOf(rs.getString(2));
            if (version.contains("CockroachDB")) {
                return "the server speaks PostgreSQL but is CockroachDB, whose pg_advisory_lock functions answer at"
                        + " once and lock nothing: a lock there would exclude nobody (" + version + ")";
            }
            if (rs.getBoolean(1)) {
                return "the PostgreSQL server is a hot standby (pg_is_in_recovery() is true): an advisory lock taken"
                        + " there excludes nobody on the primary or on other standbys; lock on the primary";
            }
            return null;
        }
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
