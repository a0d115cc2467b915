/**
 * ShedLock on dlock: {@link dev.dlock.shedlock.DlockLockProvider}, a ShedLock lock provider on the database's native
 * locks, with no table and no clock comparisons.
 */
package dev.dlock.shedlock;
