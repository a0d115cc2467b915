package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A {@link NetworkPartition} around a plain TCP server of the test's own: both connections cross the link, a cut
 * is silence both ways down to TCP (the server's keepalive probes go unanswered, and nobody sees a close), a heal
 * lets through what was sent meanwhile, and closing leaves no namespace or link behind. Skipped where
 * {@link NetworkPartition#unavailable()} says why.
 */
class NetworkPartitionTest {
    /** How long a read waits to show that nothing arrives. */
    private static final int QUIET_MILLIS = 500;
    /** How long a read waits for what must arrive; after a heal, TCP's backed-off retransmission may take seconds. */
    private static final int ARRIVAL_MILLIS = 15_000;

    private ServerSocket server;
    private NetworkPartition partition;

    @BeforeEach
    void start() throws IOException {
        assumeTrue(NetworkPartition.unavailable().isEmpty(), () -> NetworkPartition.unavailable().orElseThrow());
        server = new ServerSocket(0); // all addresses: the link's root end is made afterwards
        partition = NetworkPartition.around(server.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        if (partition != null) {
            partition.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private Ends connect() throws IOException {
        Socket client = new Socket();
        client.connect(partition.clientAddress(), ARRIVAL_MILLIS);
        server.setSoTimeout(ARRIVAL_MILLIS);
        return new Ends(client, server.accept());
    }

    @Test
    void bothConnectionsCrossTheLink() throws IOException {
        try (Ends ends = connect()) {
            assertThat(partition.clientAddress().getAddress().getHostAddress()).isEqualTo(partition.relayAddress());
            assertThat(ends.client().getLocalAddress().getHostAddress()).isEqualTo(partition.databaseSideAddress());
            assertThat(((InetSocketAddress) ends.server().getRemoteSocketAddress()).getAddress().getHostAddress())
                    .isEqualTo(partition.relayAddress());
            assertThat(ends.server().getLocalAddress().getHostAddress()).isEqualTo(partition.databaseSideAddress());
            Ends.send(ends.client(), "ping");
            assertThat(Ends.receive(ends.server(), 4, ARRIVAL_MILLIS)).isEqualTo("ping");
            Ends.send(ends.server(), "pong");
            assertThat(Ends.receive(ends.client(), 4, ARRIVAL_MILLIS)).isEqualTo("pong");
        }
    }

    @Test
    void aCutIsSilentBothWaysAndAHealDeliversWhatWasSentTimeAndAgain() throws IOException {
        try (Ends ends = connect()) {
            for (int round = 0; round < 3; round++) {
                partition.cut();
                assertThat(partition.isCut()).isTrue();
                Ends.send(ends.client(), "up" + round);
                Ends.send(ends.server(), "down" + round);
                Ends.assertNothingArrives(ends.server(), QUIET_MILLIS);
                Ends.assertNothingArrives(ends.client(), QUIET_MILLIS);
                partition.heal();
                assertThat(Ends.receive(ends.server(), 3, ARRIVAL_MILLIS)).isEqualTo("up" + round);
                assertThat(Ends.receive(ends.client(), 5, ARRIVAL_MILLIS)).isEqualTo("down" + round);
            }
        }
    }

    @Test
    void aCutIsSeenByTheServersKeepaliveAndByNobodyElse() throws IOException {
        try (Ends ends = connect()) {
            Socket serverSide = ends.server();
            serverSide.setKeepAlive(true);
            serverSide.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 1);
            serverSide.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 1);
            serverSide.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 2);
            partition.cut();
            long cutAt = System.nanoTime();
            serverSide.setSoTimeout(ARRIVAL_MILLIS);
            assertThatThrownBy(serverSide.getInputStream()::read).isInstanceOf(SocketException.class)
                    .isNotInstanceOf(SocketTimeoutException.class).hasMessageContaining("timed out");
            long seconds = (System.nanoTime() - cutAt) / 1_000_000_000L;
            assertThat(seconds).as("seconds from the cut to the keepalive's verdict").isBetween(2L, 6L);
            Ends.assertNothingArrives(ends.client(), QUIET_MILLIS);
        }
    }

    @Test
    void closeWhileCutStillClosesTheConnectionsAtBothEnds() throws IOException {
        try (Ends ends = connect()) {
            partition.cut();
            partition.close();
            assertThat(readOrReset(ends.server())).isEqualTo(-1);
            assertThat(readOrReset(ends.client())).isEqualTo(-1);
        }
    }

    /** @return what a read gives within {@link #ARRIVAL_MILLIS}, -1 for the end or a reset */
    private static int readOrReset(Socket socket) throws IOException {
        socket.setSoTimeout(ARRIVAL_MILLIS);
        try {
            return socket.getInputStream().read();
        } catch (SocketException reset) {
            return -1;
        }
    }

    @Test
    void closeLeavesNoNamespaceAndNoLink() throws IOException {
        String namespace = partition.namespace();
        assertThat(Ip.run("netns", "list")).contains(namespace);
        partition.close();
        assertThat(Ip.run("netns", "list")).doesNotContain(namespace);
        assertThat(Ip.run("-4", "-o", "address", "show")).doesNotContain(partition.databaseSideAddress() + "/");
        assertThatThrownBy(partition::cut).isInstanceOf(IllegalStateException.class);
    }
}
