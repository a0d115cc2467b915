package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
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

    /** A client connected through the proxy, and the target's socket of the same connection. */
    private record Ends(Socket client, Socket server) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            client.close();
            server.close();
        }
    }

    private Ends connect() throws IOException {
        Socket client = new Socket();
        client.connect(proxy.address());
        target.setSoTimeout(ARRIVAL_MILLIS);
        return new Ends(client, target.accept());
    }

    private static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** @return exactly {@code length} bytes, read within {@link #ARRIVAL_MILLIS} */
    private static String receive(Socket socket, int length) throws IOException {
        socket.setSoTimeout(ARRIVAL_MILLIS);
        return new String(socket.getInputStream().readNBytes(length), StandardCharsets.US_ASCII);
    }

    /** Reads for {@link #QUIET_MILLIS} and expects the read to time out: no byte, no end. */
    private static void assertNothingArrives(Socket socket) throws IOException {
        socket.setSoTimeout(QUIET_MILLIS);
        InputStream in = socket.getInputStream();
        assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
    }

    private static int readAfterEnd(Socket socket) throws IOException {
        socket.setSoTimeout(ARRIVAL_MILLIS);
        return socket.getInputStream().read();
    }

    @Test
    void forwardsBothWaysAndCountsConnections() throws IOException {
        assertThat(proxy.connections()).isZero();
        try (Ends ends = connect()) {
            send(ends.client(), "ping");
            assertThat(receive(ends.server(), 4)).isEqualTo("ping");
            send(ends.server(), "pong");
            assertThat(receive(ends.client(), 4)).isEqualTo("pong");
        }
        try (Ends ignored = connect()) {
            assertThat(proxy.connections()).isEqualTo(2);
        }
    }

    @Test
    void frozenNothingPassesEitherWayAndThawDeliversItInOrder() throws IOException {
        try (Ends ends = connect()) {
            send(ends.client(), "a");
            assertThat(receive(ends.server(), 1)).isEqualTo("a");
            proxy.freeze();
            assertThat(proxy.isFrozen()).isTrue();
            for (int i = 0; i < 3; i++) {
                send(ends.client(), "up" + i);
                send(ends.server(), "down" + i);
            }
            assertNothingArrives(ends.server());
            assertNothingArrives(ends.client());
            proxy.thaw();
            assertThat(receive(ends.server(), 9)).isEqualTo("up0up1up2");
            assertThat(receive(ends.client(), 15)).isEqualTo("down0down1down2");
        }
    }

    @Test
    void frozenACloseIsHeldUntilThaw() throws IOException {
        try (Ends ends = connect()) {
            proxy.freeze();
            ends.client().close();
            assertNothingArrives(ends.server());
            proxy.thaw();
            assertThat(readAfterEnd(ends.server())).isEqualTo(-1);
        }
    }

    @Test
    void aConnectionAcceptedWhileFrozenReachesTheTargetOnlyAfterThaw() throws IOException {
        proxy.freeze();
        try (Socket client = new Socket()) {
            client.connect(proxy.address()); // the proxy's kernel completes the handshake
            send(client, "hello");
            target.setSoTimeout(QUIET_MILLIS);
            assertThatThrownBy(target::accept).isInstanceOf(SocketTimeoutException.class);
            proxy.thaw();
            target.setSoTimeout(ARRIVAL_MILLIS);
            try (Socket server = target.accept()) {
                assertThat(receive(server, 5)).isEqualTo("hello");
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
