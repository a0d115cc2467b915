package dev.dlock.cli;

/**
 * The statuses {@code dlock} exits with when the command's own cannot be passed through. Where a {@code sysexits.h}
 * value means the same thing it is used, so that scripts which already know those values read them right; 126 and
 * 127 are what shells, {@code env} and {@code timeout} return for a command that cannot be run or is not found.
 */
final class ExitStatus {
    /** Bad input: an option, the URL, the key, the command or the database's answer to an option. */
    static final int USAGE = 2;
    /** EX_UNAVAILABLE: the database could not be reached, refused the login, or cannot take this lock. */
    static final int UNAVAILABLE = 69;
    /** EX_SOFTWARE: a failure of dlock itself. */
    static final int SOFTWARE = 70;
    /** EX_TEMPFAIL: the key is busy ({@code --no-wait}) or the wait timed out; {@code -E} changes it. */
    static final int BUSY = 75;
    /** The lock was lost while the command ran, and the command was stopped. */
    static final int LOST = 76;
    /** The command was found but could not be run. */
    static final int CANNOT_RUN = 126;
    /** The command was not found. */
    static final int NOT_FOUND = 127;

    private ExitStatus() {
    }
}
