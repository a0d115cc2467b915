package dev.dlock.tck;

import java.nio.file.Path;
import java.time.Duration;

/**
 * An embedded database server of one test's own, which the test may stop and start again on the same port and
 * data. Its connections carry a socket timeout, so no read waits longer than {@link #socketTimeout()}.
 */
public interface RestartableServer extends AutoCloseable {

    /** @return connections to this server */
    TestDatabase database();

    /** @return the short folder its Unix socket is in, deleted when it stops for good */
    Path socketDirectory();

    /** @return the socket timeout of {@link #database()}'s connections */
    Duration socketTimeout();

    /**
     * Stops the server; its sessions end.
     *
     * @throws Exception if it cannot stop
     */
    void stop() throws Exception;

    /**
     * Starts it again, on the same port and data.
     *
     * @throws Exception if it cannot start
     */
    void start() throws Exception;

    /** Stops it for good, if running. */
    @Override
    void close();

    /** Starts a server of a test's own ({@link DialectUnderTest#startRestartableServer}). */
    @FunctionalInterface
    interface Starter {
        /**
         * @param directory where its files go
         * @return the running server
         * @throws Exception if it cannot start
         */
        RestartableServer start(java.nio.file.Path directory) throws Exception;
    }
}
