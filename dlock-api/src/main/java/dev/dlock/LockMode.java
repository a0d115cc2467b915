package dev.dlock;

/**
 * How a lock is held. {@link #EXCLUSIVE} is the default and the only mode every dialect has; the others are
 * refused with {@link UnsupportedLockOptionException} by dialects that lack them.
 *
 * <table>
 *   <caption>Modes per dialect</caption>
 *   <tr><th>mode</th><th>PostgreSQL</th><th>MySQL / MariaDB</th><th>SQL Server</th><th>Oracle</th></tr>
 *   <tr><td>EXCLUSIVE</td><td>yes</td><td>yes</td><td>Exclusive</td><td>X_MODE</td></tr>
 *   <tr><td>SHARED</td><td>yes</td><td>no</td><td>Shared</td><td>S_MODE</td></tr>
 *   <tr><td>UPDATE</td><td>no</td><td>no</td><td>Update</td><td>no</td></tr>
 *   <tr><td>INTENT_SHARED</td><td>no</td><td>no</td><td>IntentShared</td><td>SS_MODE</td></tr>
 *   <tr><td>INTENT_EXCLUSIVE</td><td>no</td><td>no</td><td>IntentExclusive</td><td>SX_MODE</td></tr>
 *   <tr><td>SHARED_INTENT_EXCLUSIVE</td><td>no</td><td>no</td><td>no</td><td>SSX_MODE</td></tr>
 *   <tr><td>NULL</td><td>no</td><td>no</td><td>no</td><td>NL_MODE</td></tr>
 * </table>
 */
public enum LockMode {
    /** One holder at a time; excludes every other mode. */
    EXCLUSIVE,
    /** Any number of shared holders at once; excludes {@link #EXCLUSIVE}. */
    SHARED,
    /** SQL Server's update lock: compatible with shared, not with another update or exclusive. */
    UPDATE,
    /** Intent shared (Oracle row share). */
    INTENT_SHARED,
    /** Intent exclusive (Oracle row exclusive). */
    INTENT_EXCLUSIVE,
    /** Oracle's shared sub-exclusive mode. */
    SHARED_INTENT_EXCLUSIVE,
    /** Oracle's null mode: compatible with everything, held only to be seen. */
    NULL
}
