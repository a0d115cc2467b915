package dev.dlock.mysql;

import dev.dlock.LockKey;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * MariaDB named locks ({@code GET_LOCK} / {@code RELEASE_LOCK}): exclusive, session-scoped. Handles the product
 * {@code MariaDB} (MariaDB's own driver) and the product {@code MySQL} with "MariaDB" in its version (MySQL
 * Connector/J on MariaDB), from MariaDB 10.0.2 on (before it, a session held at most one named lock). It
 * outranks {@link MySqlLockProvider}.
 *
 * <p>MariaDB compares names case-sensitively and takes up to 192 bytes of name (64 three-byte characters), so
 * besides dlock's limit of 64 characters a name may not be longer than 192 bytes in UTF-8: 48 emoji, not 64.
 * Longer names are refused here, before any SQL, instead of failing on the server with error 1059.
 *
 * <p>Timeouts: MariaDB takes fractional seconds in {@code GET_LOCK} and waits that long to the millisecond;
 * dlock passes the remaining time rounded up to the microsecond.
 */
public final class MariaDbLockProvider extends NamedLockProvider {
    /** MariaDB's {@code NAME_LEN}: 64 characters of at most three bytes, counted in the connection's bytes. */
    static final int MAX_NAME_BYTES = 192;

    /** Made by {@link java.util.ServiceLoader}. */
    public MariaDbLockProvider() {
    }

    @Override
    public String dialect() {
        return "MariaDB";
    }

    /** @return 10, above {@link MySqlLockProvider}'s 0 */
    @Override
    public int priority() {
        return 10;
    }

    @Override
    public boolean handles(String productName, String productVersion) {
        return isMariaDb(productName, productVersion) && atLeast(productVersion, 10, 0, 2);
    }

    static boolean isMariaDb(String productName, String productVersion) {
        return "MariaDB".equals(productName)
                || "MySQL".equals(productName) && productVersion.toLowerCase(Locale.ROOT).contains("mariadb");
    }

    @Override
    public String declines(String productName, String productVersion) {
        return isMariaDb(productName, productVersion) && !atLeast(productVersion, 10, 0, 2)
                ? "dlock-mysql needs MariaDB 10.0.2 or later: before it a session held one named lock at most, and"
                        + " taking a second silently released the first"
                : null;
    }

    @Override
    boolean foldsCase() {
        return false;
    }

    @Override
    void checkName(LockKey key, String name) {
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("MariaDB lock names are at most " + MAX_NAME_BYTES + " bytes in UTF-8; "
                    + key + " has " + bytes);
        }
    }

    @Override
    boolean wholeSeconds() {
        return false;
    }
}
