package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Both ends of one forwarded TCP connection (a client, and the server's socket of the same connection), with the
 * reads the forwarding tests make on them.
 */
record Ends(Socket client, Socket server) implements AutoCloseable {

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
    }

    static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** @return exactly {@code length} bytes, read within {@code millis} */
    static String receive(Socket socket, int length, int millis) throws IOException {
        socket.setSoTimeout(millis);
        return new String(socket.getInputStream().readNBytes(length), StandardCharsets.US_ASCII);
    }

    /** Reads for {@code millis} and expects the read to time out: no byte, no end. */
    static void assertNothingArrives(Socket socket, int millis) throws IOException {
        socket.setSoTimeout(millis);
        assertThatThrownBy(socket.getInputStream()::read).isInstanceOf(SocketTimeoutException.class);
    }
}
