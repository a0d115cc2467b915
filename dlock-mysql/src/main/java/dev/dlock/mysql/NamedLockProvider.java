package dev.dlock.mysql;

import dev.dlock.LockKey;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.UnsupportedLockOptionException;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockNames;
import dev.dlock.spi.LockProvider;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What MySQL and MariaDB named locks share: exclusive, session-scoped locks whose database key is the lock name,
 * derived from the key as sqlalchemy-dlock derives it: a string as it is, a {@code long} as its decimal digits,
 * bytes decoded as UTF-8. A name is at most {@value #MAX_NAME_CODE_POINTS} characters (code points) and holds no
 * NUL character (both servers cut the name at the first NUL, so {@code "a\0b"} and {@code "a\0c"} would be one
 * lock); each server adds its own limits in {@link #checkName}.
 */
abstract class NamedLockProvider implements LockProvider {
    /** MySQL's documented limit, and sqlalchemy-dlock's: 64 characters. */
    static final int MAX_NAME_CODE_POINTS = 64;
    private static final Pattern VERSION = Pattern.compile("(\\d{1,9})\\.(\\d{1,9})\\.(\\d{1,9})");

    @Override
    public final Set<LockMode> supportedModes() {
        return Set.of(LockMode.EXCLUSIVE);
    }

    @Override
    public final Set<LockScope> supportedScopes() {
        return Set.of(LockScope.SESSION);
    }

    @Override
    public final DialectLock lockFor(LockKey key, LockOptions options) {
        String name = LockNames.of(key);
        int codePoints = name.codePointCount(0, name.length());
        if (codePoints > MAX_NAME_CODE_POINTS) {
            throw new IllegalArgumentException(dialect() + " lock names are at most " + MAX_NAME_CODE_POINTS
                    + " characters; " + key + " has " + codePoints);
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(dialect() + " cuts lock names at the first NUL character, so " + key
                    + " would lock \"" + name.substring(0, name.indexOf('\0')) + "\"; use a name without NUL");
        }
        checkName(key, name);
        return new NamedLock(name, wholeSeconds(), foldsCase() ? name.toLowerCase(Locale.ROOT) : name);
    }

    /**
     * A read-only server ({@code @@read_only}, as replicas run) grants {@code GET_LOCK} on itself alone: the lock
     * would exclude nobody on the primary, so it is refused. One question per physical connection.
     */
    @Override
    public final String refuses(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT @@read_only");
             ResultSet rs = statement.executeQuery()) {
            return rs.next() && rs.getInt(1) != 0
                    ? "the " + dialect() + " server is read-only (@@read_only = 1), as a replica is: its named locks"
                            + " are its own and exclude nobody on the primary; lock on the primary"
                    : null;
        }
    }

    /**
     * Refused: MySQL and MariaDB have no per-session setting that ends a silent session while sparing a paused
     * one. The session's {@code wait_timeout} would end a holder that is merely paused (a long GC, a stopped
     * process) as surely as a cut-off one, and another session could be granted the lock before the paused
     * holder hears of it: a time-to-live lease, with its hazard. The server's TCP keepalive is server-wide
     * (MariaDB's global {@code tcp_keepalive_time}, {@code tcp_keepalive_interval}, {@code tcp_keepalive_probes};
     * the operating system's for MySQL), an administrator's setting.
     */
    @Override
    public final Restore lease(Connection connection, Duration lease) {
        throw new UnsupportedLockOptionException(dialect() + " has no per-session setting that ends a silent"
                + " session but spares a paused one (wait_timeout would end a paused holder too, and hand its lock"
                + " on before it knows): the server-side bound is the server's TCP keepalive, set server-wide"
                + " (MariaDB: the global tcp_keepalive_time, tcp_keepalive_interval and tcp_keepalive_probes; MySQL:"
                + " the operating system's). Watch without a lease; see the README's \"Choosing the cadence and the"
                + " lease\"");
    }

    /** @return whether the server lower-cases names, so that names differing in case are one lock */
    abstract boolean foldsCase();

    /**
     * @param key  the key, for messages
     * @param name the lock name, at most 64 characters and free of NUL
     * @throws IllegalArgumentException if this server would refuse the name
     */
    abstract void checkName(LockKey key, String name);

    /** @return whether this server's {@code GET_LOCK} reads its timeout as whole seconds (MySQL), not fractional */
    abstract boolean wholeSeconds();

    /**
     * @param version a server version as a driver reports it, such as {@code 8.4.3}, {@code 10.11.5-MariaDB} or
     *                {@code 5.5.5-10.11.5-MariaDB} (Connector/J on MariaDB)
     * @param minimum the lowest version accepted, as major, minor, patch
     * @return whether the version is at least {@code minimum}; {@code true} when the version cannot be read
     */
    static boolean atLeast(String version, int... minimum) {
        // MariaDB before 11 prefixes its real version with "5.5.5-" for old replication clients
        String real = version.startsWith("5.5.5-") ? version.substring("5.5.5-".length()) : version;
        Matcher matcher = VERSION.matcher(real);
        if (!matcher.lookingAt()) {
            return true;
        }
        for (int i = 0; i < 3; i++) {
            int part = Integer.parseInt(matcher.group(i + 1));
            if (part != minimum[i]) {
                return part > minimum[i];
            }
        }
        return true;
    }
}
