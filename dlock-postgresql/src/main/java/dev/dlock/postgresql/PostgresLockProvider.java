package dev.dlock.postgresql;

import dev.dlock.LockKey;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.UnsupportedLockOptionException;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.KeyDigest;
import dev.dlock.spi.LockProvider;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
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

    /**
     * A lease through the session's TCP settings (any user may set them for the session): the server probes an
     * idle client every second ({@code tcp_keepalives_idle}, {@code tcp_keepalives_interval} 1 s) and, with
     * {@code tcp_user_timeout} at {@code lease − 1 s}, the kernel drops a connection from which nothing has been
     * received for that long at the next probe, or whose data stays unacknowledged that long; the backend then
     * ends, and its advisory locks with it: between {@code lease − 1 s} and {@code lease} after the silence
     * began. Refused over a Unix-domain socket, where PostgreSQL ignores these settings, and outside
     * auto-commit, where a rollback would undo them.
     */
    @Override
    public Restore lease(Connection connection, Duration lease) throws SQLException {
        if (!connection.getAutoCommit()) {
            throw new IllegalStateException("PostgreSQL keeps a lease in session settings, which a rollback would"
                    + " undo: start the watch in auto-commit mode");
        }
        String[] before = new String[SESSION_TCP_SETTINGS.length];
        try (PreparedStatement statement = connection.prepareStatement("SELECT inet_server_addr() IS NULL,"
                + " current_setting('tcp_keepalives_idle'), current_setting('tcp_keepalives_interval'),"
                + " current_setting('tcp_keepalives_count'), current_setting('tcp_user_timeout')");
             ResultSet rs = statement.executeQuery()) {
            rs.next();
            if (rs.getBoolean(1)) {
                throw new UnsupportedLockOptionException("PostgreSQL: this connection is a Unix-domain socket, on"
                        + " which the server ignores TCP keepalive and user timeout: a lease needs a TCP connection");
            }
            for (int i = 0; i < before.length; i++) {
                before[i] = rs.getString(i + 2);
            }
        }
        long userTimeout = Math.min(lease.minusSeconds(1).toMillis(), Integer.MAX_VALUE);
        // Linux takes at most 127 probes; with a user timeout it counts time, not probes, anyway
        long probes = Math.min(127, Math.max(1, userTimeout / 1000));
        setTcp(connection, "1", "1", Long.toString(probes), Long.toString(userTimeout));
        return restored -> setTcp(restored, before);
    }

    private static final String[] SESSION_TCP_SETTINGS =
            {"tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count", "tcp_user_timeout"};

    private static void setTcp(Connection connection, String... values) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT set_config(?, ?, false),"
                + " set_config(?, ?, false), set_config(?, ?, false), set_config(?, ?, false)")) {
            for (int i = 0; i < SESSION_TCP_SETTINGS.length; i++) {
                statement.setString(2 * i + 1, SESSION_TCP_SETTINGS[i]);
                statement.setString(2 * i + 2, values[i]);
            }
            statement.executeQuery().close();
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
