package dev.dlock.postgresql;

import dev.dlock.WatchOptions;
import dev.dlock.tck.DialectUnderTest;
import dev.dlock.tck.PartitionContract;
import dev.dlock.tck.PostgresDatabase;
import dev.dlock.tck.TestDatabase;
import java.net.InetSocketAddress;
import java.time.Duration;

/** The lease on PostgreSQL: the session's TCP keepalive and user timeout end a cut-off holder's session. */
class PostgresPartitionTest extends PartitionContract {
    private static final Duration LEASE = Duration.ofSeconds(2);

    @Override
    protected DialectUnderTest dialect() {
        return PostgresDialect.INSTANCE;
    }

    @Override
    protected TestDatabase server() {
        return PostgresDatabase.listeningOnAllAddresses();
    }

    @Override
    protected int serverPort() {
        return PostgresDatabase.listeningOnAllAddresses().port();
    }

    @Override
    protected TestDatabase serverAt(InetSocketAddress address) {
        return PostgresDatabase.listeningOnAllAddresses().at(address);
    }

    @Override
    protected WatchOptions holderWatch() {
        return WatchOptions.lease(LEASE);
    }

    @Override
    protected Duration serverBound() {
        return LEASE;
    }

    @Override
    protected boolean serverBoundCoversDataInFlight() {
        return true;
    }
}
