package dev.dlock.mysql;

import dev.dlock.DistributedLock;
import dev.dlock.LockKey;
import dev.dlock.LockMode;
import dev.dlock.LockScope;
import dev.dlock.tck.LockContract;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Set;

/**
 * The dlock contract on a MySQL-family server: how to see a named lock and its waiters from another session.
 */
abstract class NamedLockContract extends LockContract {

    @Override
    protected boolean isLockedOnServer(Connection observer, DistributedLock lock) throws SQLException {
        return NamedLockServerView.isUsed(observer, (String) lock.databaseKey());
    }

    @Override
    protected int waitersOnServer(Connection observer, DistributedLock lock) throws SQLException {
        return NamedLockServerView.waiters(observer, (String) lock.databaseKey());
    }

    @Override
    protected void killSession(Connection observer, Connection victim) throws SQLException {
        long id;
        try (Statement statement = victim.createStatement();
             ResultSet rs = statement.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            id = rs.getLong(1);
        }
        try (Statement kill = observer.createStatement()) {
            kill.execute("KILL CONNECTION " + id);
        }
    }

    @Override
    protected Set<LockMode> supportedModes() {
        return Set.of(LockMode.EXCLUSIVE);
    }

    @Override
    protected Set<LockScope> supportedScopes() {
        return Set.of(LockScope.SESSION);
    }

    @Override
    protected Optional<LockKey> keyTooLong() {
        return Optional.of(LockKey.of("k".repeat(NamedLockProvider.MAX_NAME_CODE_POINTS + 1)));
    }

    /** Both servers cut names at NUL, so dlock refuses such names (see {@link NamedLockProvider}). */
    @Override
    protected Set<String> hostileKeysRefused() {
        return Set.of("nul\u0000byte");
    }
}
