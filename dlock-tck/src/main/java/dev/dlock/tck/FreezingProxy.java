package dev.dlock.tck;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder a test can freeze: it accepts connections and forwards bytes both ways to one target, two daemon
 * threads per connection, with {@code TCP_NODELAY} on both sides.
 *
 * <p>{@link #freeze()} stops forwarding in both directions for every current and future connection, and closes
 * nothing: no byte sent by either end after {@code freeze()} returns reaches the other end, neither end sees a
 * FIN or a reset, and a connection accepted while frozen is not opened to the target until {@link #thaw()}. Each
 * forwarding thread blocks before it writes, holding what it last read (up to 16 KiB); a close by
 * one end waits the same way. The kernel buffers the rest and, once its buffers fill, TCP flow control stops the
 * sender. {@code thaw()} delivers what was held, in order, and resumes.
 *
 * <p>What the ends see is silence at the application level only: the proxy's own TCP stack still acknowledges
 * what it receives and answers keepalive probes, so neither end's TCP keepalive nor {@code tcp_user_timeout}
 * notices anything. A test that needs those to fire needs a link that drops packets: {@link NetworkPartition}.
 *
 * <p>{@link #main} runs one as a process of its own: {@link NetworkPartition} starts it inside a network namespace
 * as the relay both of whose connections cross the link it cuts.
 */
public final class FreezingProxy implements AutoCloseable {
    /** What a forwarding thread reads at a time. */
    private static final int BUFFER = 16 * 1024;

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final Gate gate = new Gate();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();

    private FreezingProxy(ServerSocket listener, InetSocketAddress target) {
        this.listener = listener;
        this.target = target;
    }

    /**
     * Starts a proxy.
     *
     * @param listen where to listen; port 0 for a free port ({@link #address()} says which)
     * @param target where to forward each accepted connection
     * @return the running proxy, not frozen
     * @throws IOException if it cannot listen at {@code listen}
     */
    public static FreezingProxy start(InetSocketAddress listen, InetSocketAddress target) throws IOException {
        ServerSocket listener = new ServerSocket();
        try {
            listener.bind(listen);
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        FreezingProxy proxy = new FreezingProxy(listener, target);
        daemon(proxy::acceptAll, proxy.threadName("accept")).start();
        return proxy;
    }

    /** @return the address it listens at, with the port it was given */
    public InetSocketAddress address() {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    /** Stops forwarding both ways, on every current and future connection, closing nothing; see the class. */
    public void freeze() {
        gate.freeze();
    }

    /** Resumes forwarding, delivering first what was held while frozen. */
    public void thaw() {
        gate.thaw();
    }

    /** @return whether it is frozen */
    public boolean isFrozen() {
        return gate.isFrozen();
    }

    /** @return how many connections it has accepted so far, open or not */
    public int connections() {
        return accepted.get();
    }

    /** Stops listening and closes every connection, frozen or not; the ends see their connections closed. */
    @Override
    public void close() {
        gate.close();
        closeQuietly(listener);
        sockets.forEach(FreezingProxy::closeQuietly);
        sockets.clear();
    }

    private void acceptAll() {
        while (true) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException closed) {
                return;
            }
            sockets.add(client);
            int number = accepted.incrementAndGet();
            daemon(() -> open(client, number), threadName(number + "-up")).start();
        }
    }

    /** Opens the connection to the target once not frozen, then forwards both ways. */
    private void open(Socket client, int number) {
        Socket server = new Socket();
        sockets.add(server);
        Pair pair = new Pair(client, server);
        try {
            client.setTcpNoDelay(true);
            if (!gate.awaitOpen()) {
                pair.close();
                return;
            }
            server.setTcpNoDelay(true);
            server.connect(target);
        } catch (IOException | InterruptedException e) {
            pair.close();
            return;
        }
        daemon(() -> forward(server, client, pair), threadName(number + "-down")).start();
        forward(client, server, pair);
    }

    /**
     * Copies {@code from} to {@code to} until {@code from} ends, passing the gate before each write and before
     * passing on the end (a FIN as a FIN, a failure as a close of both sockets).
     */
    private void forward(Socket from, Socket to, Pair pair) {
        byte[] buffer = new byte[BUFFER];
        InputStream in;
        OutputStream out;
        try {
            in = from.getInputStream();
            out = to.getOutputStream();
        } catch (IOException e) {
            pair.close();
            return;
        }
        while (true) {
            int count;
            boolean failed = false;
            try {
                count = in.read(buffer);
            } catch (IOException e) {
                count = -1;
                failed = true;
            }
            try {
                if (!gate.awaitOpen()) {
                    pair.close();
                    return;
                }
            } catch (InterruptedException e) {
                pair.close();
                return;
            }
            if (failed) {
                pair.close();
                return;
            }
            if (count < 0) {
                pair.endOutput(to);
                return;
            }
            try {
                out.write(buffer, 0, count);
            } catch (IOException e) {
                pair.close();
                return;
            }
        }
    }

    private String threadName(String what) {
        return "dlock-freezing-proxy-" + listener.getLocalPort() + "-" + what;
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing is all that is left to do with it
        }
    }

    /** The two sockets of one forwarded connection, closed once both directions have ended or one has failed. */
    private final class Pair {
        private final Socket client;
        private final Socket server;
        private final AtomicInteger ended = new AtomicInteger();

        Pair(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        /** Passes an end of input on as a FIN on {@code to}; closes both once both directions have ended. */
        void endOutput(Socket to) {
            try {
                to.shutdownOutput();
            } catch (IOException e) {
                close();
                return;
            }
            if (ended.incrementAndGet() == 2) {
                close();
            }
        }

        void close() {
            closeQuietly(client);
            closeQuietly(server);
            sockets.remove(client);
            sockets.remove(server);
        }
    }

    /** Open, frozen or closed: what the forwarding threads wait on. */
    private static final class Gate {
        private boolean frozen;
        private boolean closed;

        synchronized void freeze() {
            frozen = true;
        }

        synchronized void thaw() {
            frozen = false;
            notifyAll();
        }

        synchronized void close() {
            closed = true;
            notifyAll();
        }

        synchronized boolean isFrozen() {
            return frozen;
        }

        /** @return {@code true} once open, {@code false} if closed */
        synchronized boolean awaitOpen() throws InterruptedException {
            while (frozen && !closed) {
                wait();
            }
            return !closed;
        }
    }

    /**
     * Aborts a connection that went through a frozen proxy, on a daemon thread of its own that is left to end by
     * itself: a driver's abort may wait for a read stuck on the frozen link (the MariaDB driver's does), which
     * closing the proxy ends.
     *
     * @param connection the connection
     */
    public static void abortInBackground(Connection connection) {
        Thread aborting = new Thread(() -> {
            try {
                connection.abort(Runnable::run);
            } catch (SQLException ignored) {
                // the connection is dead either way
            }
        }, "dlock-freezing-proxy-abort");
        aborting.setDaemon(true);
        aborting.start();
    }

    /**
     * Runs a proxy until standard input ends or the process is killed, and prints {@code listening HOST:PORT} (the
     * address it listens at) on standard output once it listens, so that the process that started it can wait for
     * that line. A parent that dies closes the pipe of this standard input, so the proxy ends with it.
     *
     * @param args {@code listenHost listenPort targetHost targetPort}; listen port 0 for a free port
     * @throws IOException if it cannot listen
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: FreezingProxy listenHost listenPort targetHost targetPort");
        }
        InetSocketAddress listen = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        InetSocketAddress target = new InetSocketAddress(args[2], Integer.parseInt(args[3]));
        try (FreezingProxy proxy = start(listen, target)) {
            InetSocketAddress address = proxy.address();
            System.out.println("listening " + address.getAddress().getHostAddress() + ":" + address.getPort());
            System.out.flush();
            System.in.transferTo(OutputStream.nullOutputStream());
        }
    }
}
