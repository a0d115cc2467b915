package dev.dlock.mysql;

import dev.dlock.LockKey;

/**
 * MySQL named locks ({@code GET_LOCK} / {@code RELEASE_LOCK}): exclusive, session-scoped. Handles the product
 * {@code MySQL} from version 5.7.5 on, except MariaDB reached through MySQL Connector/J (product "MySQL", a
 * version containing "MariaDB"), which is {@link MariaDbLockProvider}'s. Older MySQL is not handled: before
 * 5.7.5 a session held at most one named lock, and taking a second silently released the first.
 *
 * <p>What MySQL does with a name, read from its source ({@code check_and_convert_ull_name}): it converts the
 * name to utf8mb3 and lower-cases it, so names are case-insensitive ({@code "Job"} and {@code "job"} are one
 * lock, and dlock's one-lock-object-per-key rule counts them as one), and a character outside the Basic
 * Multilingual Plane (an emoji) cannot be part of a name: such keys are refused here, before any SQL, instead
 * of failing on the server with error 3057.
 *
 * <p>Timeouts: MySQL reads the {@code GET_LOCK} timeout as whole seconds, rounding a fraction half-up. dlock
 * asks for the remaining time rounded up to whole seconds and cancels the statement at the deadline itself
 * (the driver's {@code KILL QUERY}), so that a wait ends within a few milliseconds of its deadline, not at the
 * next whole second.
 */
public final class MySqlLockProvider extends NamedLockProvider {

    /** Made by {@link java.util.ServiceLoader}. */
    public MySqlLockProvider() {
    }

    @Override
    public String dialect() {
        return "MySQL";
    }

    @Override
    public boolean handles(String productName, String productVersion) {
        return "MySQL".equals(productName) && !MariaDbLockProvider.isMariaDb(productName, productVersion)
                && atLeast(productVersion, 5, 7, 5);
    }

    @Override
    public String declines(String productName, String productVersion) {
        return "MySQL".equals(productName) && !MariaDbLockProvider.isMariaDb(productName, productVersion)
                && !atLeast(productVersion, 5, 7, 5)
                ? "dlock-mysql needs MySQL 5.7.5 or later: before it a session held one named lock at most, and taking"
                        + " a second silently released the first"
                : null;
    }

    @Override
    boolean foldsCase() {
        return true;
    }

    @Override
    void checkName(LockKey key, String name) {
        if (name.codePoints().anyMatch(Character::isSupplementaryCodePoint)) {
            throw new IllegalArgumentException("MySQL keeps lock names in utf8mb3, which has no room for characters"
                    + " beyond U+FFFF such as emoji; " + key + " has one");
        }
    }

    @Override
    boolean wholeSeconds() {
        return true;
    }
}
