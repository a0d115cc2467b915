package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a frozen {@link FreezingProxy} lets through: nothing either way, not even a close, until it thaws; and what
 * it does unfrozen: forward bytes and closes, and count connections. Each test has both ends in hand: a client
 * socket through the proxy and the target's socket of that connection.
 */
class FreezingProxyTest {
    /** How long a read waits to show that nothing arrives: silence for this long counts as silence. */
    private static final int QUIET_MILLIS = 500;
    /** How long a read waits for what must arrive. */
    private static final int ARRIVAL_MILLIS = 10_000;

    private ServerSocket target;
    private FreezingProxy proxy;

    @BeforeEach
    void start() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        target = new ServerSocket(0, 50, loopback);
        proxy = FreezingProxy.start(new InetSocketAddress(loopback, 0),
                new InetSocketAddress(loopback, target.getLocalPort()));
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        target.close();
    }

    private Ends connect() throws IOException {
        Socket client = new Socket();
        client.connect(proxy.address());
        target.setSoTimeout(ARRIVAL_MILLIS);
        return new Ends(client, target.accept());
    }

    private static int readAfterEnd(Socket socket) throws IOException {
        socket.setSoTimeout(ARRIVAL_MILLIS);
        return socket.getInputStream().read();
    }

    @Test
    void forwardsBothWaysAndCountsConnections() throws IOException {
        assertThat(proxy.connections()).isZero();
        try (Ends ends = connect()) {
            Ends.send(ends.client(), "ping");
            assertThat(Ends.receive(ends.server(), 4, ARRIVAL_MILLIS)).isEqualTo("ping");
            Ends.send(ends.server(), "pong");
            assertThat(Ends.receive(ends.client(), 4, ARRIVAL_MILLIS)).isEqualTo("pong");
        }
        try (Ends ignored = connect()) {
            assertThat(proxy.connections()).isEqualTo(2);
        }
    }

    @Test
    void frozenNothingPassesEitherWayAndThawDeliversItInOrder() throws IOException {
        try (Ends ends = connect()) {
            Ends.send(ends.client(), "a");
            assertThat(Ends.receive(ends.server(), 1, ARRIVAL_MILLIS)).isEqualTo("a");
            proxy.freeze();
            assertThat(proxy.isFrozen()).isTrue();
            for (int i = 0; i < 3; i++) {
                Ends.send(ends.client(), "up" + i);
                Ends.send(ends.server(), "down" + i);
            }
            Ends.assertNothingArrives(ends.server(), QUIET_MILLIS);
            Ends.assertNothingArrives(ends.client(), QUIET_MILLIS);
            proxy.thaw();
            assertThat(Ends.receive(ends.server(), 9, ARRIVAL_MILLIS)).isEqualTo("up0up1up2");
            assertThat(Ends.receive(ends.client(), 15, ARRIVAL_MILLIS)).isEqualTo("down0down1down2");
        }
    }

    @Test
    void frozenACloseIsHeldUntilThaw() throws IOException {
        try (Ends ends = connect()) {
            proxy.freeze();
            ends.client().close();
            Ends.assertNothingArrives(ends.server(), QUIET_MILLIS);
            proxy.thaw();
            assertThat(readAfterEnd(ends.server())).isEqualTo(-1);
        }
    }

    @Test
    void aConnectionAcceptedWhileFrozenReachesTheTargetOnlyAfterThaw() throws IOException {
        proxy.freeze();
        try (Socket client = new Socket()) {
            client.connect(proxy.address()); // the proxy's kernel completes the handshake
            Ends.send(client, "hello");
            target.setSoTimeout(QUIET_MILLIS);
            assertThatThrownBy(target::accept).isInstanceOf(SocketTimeoutException.class);
            proxy.thaw();
            target.setSoTimeout(ARRIVAL_MILLIS);
            try (Socket server = target.accept()) {
                assertThat(Ends.receive(server, 5, ARRIVAL_MILLIS)).isEqualTo("hello");
            }
        }
    }

    @Test
    void closeEndsEveryConnectionFrozenOrNot() throws IOException {
        try (Ends ends = connect()) {
            proxy.freeze();
            proxy.close();
            assertThat(readOrFailure(ends.client())).isEqualTo(-1);
            assertThat(readOrFailure(ends.server())).isEqualTo(-1);
        }
    }

    /** @return what a read gives, -1 for the end or a reset */
    private static int readOrFailure(Socket socket) throws IOException {
        try {
            return readAfterEnd(socket);
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException reset) {
            return -1;
        }
    }
}
