package dev.dlock.mysql;

import dev.dlock.WatchOptions;
import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.MariaDbDatabase;
import dev.dlock.tck.PartitionContract;
import dev.dlock.tck.TestDatabase;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * MariaDB has no per-session lease: the server-side bound is its server-wide TCP keepalive, which the partition's
 * server sets at start as an administrator would ({@link MariaDbDatabase#listeningOnAllAddresses()}: probe after
 * 1 s of silence, give up after one unanswered probe a second later), and the holder watches without a lease,
 * with a loss bound well under it.
 */
class MariaDbPartitionTest extends PartitionContract {

    @Override
    protected DialectUnderTest dialect() {
        return NamedLockDialect.MARIADB_DRIVER;
    }

    @Override
    protected TestDatabase server() {
        return MariaDbDatabase.listeningOnAllAddresses().throughMariaDbDriver();
    }

    @Override
    protected int serverPort() {
        return MariaDbDatabase.listeningOnAllAddresses().port();
    }

    @Override
    protected TestDatabase serverAt(InetSocketAddress address) {
        return MariaDbDatabase.listeningOnAllAddresses().at(address).throughMariaDbDriver();
    }

    @Override
    protected WatchOptions holderWatch() {
        return WatchOptions.every(Duration.ofMillis(250));
    }

    @Override
    protected Duration serverBound() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected boolean serverBoundCoversDataInFlight() {
        return false;
    }
}
