package dev.dlock.tck;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link FreezingProxy} run by {@link FreezingProxy#main} in a JVM of its own (this JVM's {@code java}), inside a
 * network namespace ({@code ip netns exec}). It ends when {@link #close()} closes its standard input, or when this
 * JVM dies, which closes that pipe too.
 */
final class RelayProcess implements AutoCloseable {
    private static final String LISTENING = "listening ";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final CompletableFuture<String> listening = new CompletableFuture<>();

    private RelayProcess(Process process) {
        this.process = process;
    }

    /**
     * Starts a relay and waits until it listens.
     *
     * @param namespace  the network namespace to run it in
     * @param listenHost the address to listen at, on a free port
     * @param target     where it forwards to
     * @return the listening relay
     * @throws IOException if it cannot start or does not listen within 30 seconds, with what it printed
     */
    static RelayProcess start(String namespace, String listenHost, InetSocketAddress target) throws IOException {
        List<String> command = new ArrayList<>(List.of(Ip.binary().orElseThrow().toString(), "netns", "exec",
                namespace, java(), "-Xmx64m", "-cp", classPath(), FreezingProxy.class.getName(), listenHost, "0",
                target.getHostString(), String.valueOf(target.getPort())));
        RelayProcess relay = new RelayProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
        Thread reader = new Thread(relay::readOutput, "dlock-relay-output-" + namespace);
        reader.setDaemon(true);
        reader.start();
        try {
            relay.listening.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return relay;
        } catch (ExecutionException | TimeoutException e) {
            relay.close();
            throw new IOException("the relay in " + namespace + " did not start listening: " + relay.output, e);
        } catch (InterruptedException e) {
            relay.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the relay in " + namespace + " started", e);
        }
    }

    /** Reads what the relay prints: its one {@code listening} line, and anything else, kept for failure messages. */
    private void readOutput() {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith(LISTENING) && !listening.isDone()) {
                    listening.complete(line.substring(LISTENING.length()));
                } else {
                    output.append(line).append('\n');
                }
            }
        } catch (IOException e) {
            output.append(e).append('\n');
        }
        listening.completeExceptionally(new IOException("the relay ended"));
    }

    /** @return where it listens */
    InetSocketAddress address() {
        String hostPort = listening.join();
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** @return whether it still runs */
    boolean isAlive() {
        return process.isAlive();
    }

    /** @return what it printed apart from its {@code listening} line */
    String output() {
        return output.toString();
    }

    /** Ends it: closes its standard input, then kills it if it has not ended within 10 seconds. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** @return this JVM's {@code java} */
    private static String java() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** @return where {@link FreezingProxy} was loaded from (it needs nothing else), or else this JVM's class path */
    private static String classPath() {
        CodeSource source = FreezingProxy.class.getProtectionDomain().getCodeSource();
        if (source != null && source.getLocation() != null) {
            try {
                return Path.of(source.getLocation().toURI()).toString();
            } catch (URISyntaxException | IllegalArgumentException notAFile) {
                // fall back to the class path
            }
        }
        return System.getProperty("java.class.path");
    }
}
