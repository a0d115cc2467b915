package dev.dlock.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DistributedLock;
import dev.dlock.LockWatch;
import dev.dlock.Locks;
import dev.dlock.UnsupportedLockOptionException;
import dev.dlock.WatchOptions;
import dev.dlock.tck.PostgresDatabase;
import dev.dlock.tck.stub.ScriptedConnection;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A lease on PostgreSQL: the session's TCP keepalive and user timeout, set for the watch and put back at release;
 * refused where they would not hold. That the server then ends a silent holder's session within the lease is
 * shown over a real cut link by {@link PostgresPartitionTest}.
 */
class PostgresLeaseTest {
    private static final String SETTINGS = "SELECT current_setting('tcp_keepalives_idle'),"
            + " current_setting('tcp_keepalives_interval'), current_setting('tcp_keepalives_count'),"
            + " current_setting('tcp_user_timeout')";

    private final List<Connection> connections = new ArrayList<>();

    @AfterEach
    void close() throws SQLException {
        for (Connection connection : connections) {
            connection.close();
        }
    }

    private Connection connect() throws SQLException {
        Connection connection = PostgresDatabase.instance().connect();
        connections.add(connection);
        return connection;
    }

    private static List<String> tcpSettings(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(SETTINGS)) {
            rs.next();
            return List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4));
        }
    }

    @Test
    void aLeaseSetsTheSessionsTcpTimeoutsAndTheReleasePutsThemBack() throws Exception {
        Connection connection = connect();
        List<String> before = tcpSettings(connection);
        DistributedLock lock = Locks.forConnection(connection, "lease-" + System.nanoTime()).acquire();
        LockWatch watch = lock.watch(WatchOptions.lease(Duration.ofSeconds(5)), lost -> { });
        // probes every second once idle; the kernel drops the link after 4 s without a word from the client
        assertThat(tcpSettings(connection)).containsExactly("1", "1", "4", "4000");
        lock.release();
        assertThat(tcpSettings(connection)).isEqualTo(before);
        assertThat(watch.lost()).isNotDone();
    }

    @Test
    void aLeaseOutsideAutoCommitIsRefusedAndChangesNothing() throws Exception {
        Connection connection = connect();
        List<String> before = tcpSettings(connection);
        connection.setAutoCommit(false);
        DistributedLock lock = Locks.forConnection(connection, "lease-" + System.nanoTime()).acquire();
        assertThatThrownBy(() -> lock.watch(WatchOptions.lease(Duration.ofSeconds(5)), lost -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("auto-commit");
        assertThat(tcpSettings(connection)).isEqualTo(before);
        assertThat(lock.isHeldOnServer()).isTrue();
        lock.release();
        connection.commit();
    }

    @Test
    void aConnectionKeepsOneLease() throws Exception {
        Connection connection = connect();
        DistributedLock first = Locks.forConnection(connection, "lease-a-" + System.nanoTime()).acquire();
        DistributedLock second = Locks.forConnection(connection, "lease-b-" + System.nanoTime()).acquire();
        first.watch(WatchOptions.lease(Duration.ofSeconds(5)), lost -> { });
        first.watch(WatchOptions.lease(Duration.ofSeconds(5)), lost -> { }); // the same lease again: kept
        assertThatThrownBy(() -> first.watch(WatchOptions.lease(Duration.ofSeconds(9)), lost -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("keeps a lease of PT5S");
        assertThatThrownBy(() -> second.watch(WatchOptions.lease(Duration.ofSeconds(5)), lost -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("one lease");
        assertThat(tcpSettings(connection)).containsExactly("1", "1", "4", "4000");
        first.release();
        LockWatch now = second.watch(WatchOptions.lease(Duration.ofSeconds(3)), lost -> { });
        assertThat(tcpSettings(connection)).containsExactly("1", "1", "2", "2000");
        now.close();
        second.release();
    }

    @Test
    void aUnixSocketConnectionIsRefusedBeforeAnySetting() {
        ScriptedConnection unixSocket = ScriptedConnection.of("PostgreSQL", "17.11");
        unixSocket.expectPrepare("SELECT inet_server_addr() IS NULL, current_setting('tcp_keepalives_idle'),"
                + " current_setting('tcp_keepalives_interval'), current_setting('tcp_keepalives_count'),"
                + " current_setting('tcp_user_timeout')").executeQuery()
                .returnsRows(new Object[] {true, "0", "0", "0", "0"});
        assertThatThrownBy(() -> new PostgresLockProvider().lease(unixSocket.connection(), Duration.ofSeconds(5)))
                .isInstanceOf(UnsupportedLockOptionException.class).hasMessageContaining("Unix-domain socket");
        unixSocket.verify(); // and no set_config after it
    }
}
