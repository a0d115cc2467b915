package dev.dlock.tck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real network link between a test and a database on this machine, which the test can cut: the partition a
 * dead switch, a cut cable or a NAT that forgot the connection makes, where packets vanish and nobody is told.
 * Made with iproute2's {@code ip} alone, as root, on Linux.
 *
 * <p>It is a network namespace of its own joined to the root namespace by a veth pair, with a /30 of
 * 198.18.0.0/15 ({@link LinkAddresses}) on it, and a relay ({@link FreezingProxy} in a JVM of its own) inside the
 * namespace. A client connects to the relay at {@link #clientAddress()}; the relay connects to the database at
 * {@link #databaseSideAddress()}, the root end of the link. Both connections cross the link, so the database's
 * socket of that session has its peer across it, at {@link #relayAddress()}: the server's TCP keepalive and
 * {@code tcp_user_timeout} see the silence as the client's do. The database must listen on the root end's address
 * or on all addresses ({@link PostgresDatabase#listeningOnAllAddresses()},
 * {@link MariaDbDatabase#listeningOnAllAddresses()}).
 *
 * <p>{@link #cut()} drops every packet both ways, inside the namespace, and closes nothing: a blackhole route to
 * the root end drops what the namespace sends, and strict reverse-path filtering ({@code rp_filter}, turned on
 * when the namespace is made) drops what it receives from the root end, before TCP sees it, since the way back
 * to the sender is that blackhole. No end gets a reset, a FIN or an ICMP error; retransmissions and keepalive
 * probes go unanswered. {@link #heal()} removes the route, and what TCP retransmits gets through again.
 *
 * <p>{@link #close()}, or a shutdown hook if the test does not close it, heals the link, ends the relay (so the
 * connections through it close at both ends) and deletes the link and the namespace; the cut lives in the
 * namespace, so nothing outlives it. A JVM killed outright leaves its namespace and link (not its relay, which ends
 * when its standard input does): namespaces are named {@code dlock-PID-N}, and making one deletes those of
 * processes that no longer run, with their links.
 */
public final class NetworkPartition implements AutoCloseable {
    private static final String PREFIX = "dlock-";
    private static final Pattern NAMESPACE = Pattern.compile("dlock-(\\d{1,18})-(\\w+)");
    private static final long PID = ProcessHandle.current().pid();
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    /** The namespaces of this JVM's partitions, open now: the others named with its process id are stale. */
    private static final Set<String> OWN = ConcurrentHashMap.newKeySet();
    /** Held while namespaces are cleaned up and addresses chosen and taken, by every JVM of this machine. */
    private static final String LOCK_FILE = "dlock-network-partition.lock";
    private static final List<Path> LOCK_DIRECTORIES = List.of(Path.of("/run/lock"), Path.of("/run"),
            Path.of("/tmp"));
    private static final Path SH = Path.of("/bin/sh");
    private static final String STRICT_REVERSE_PATH = "echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter";

    private static Optional<String> unavailable;

    private final String namespace;
    private final String rootLink;
    private final LinkAddresses addresses;
    private final Thread shutdownHook;
    private RelayProcess relay;
    private boolean cut;
    private boolean closed;

    private NetworkPartition(String namespace, String rootLink, LinkAddresses addresses) {
        this.namespace = namespace;
        this.rootLink = rootLink;
        this.addresses = addresses;
        this.shutdownHook = new Thread(this::close, "dlock-network-partition-" + namespace);
    }

    /**
     * @return why no partition can be made here (not Linux, not root, no {@code ip}, network namespaces or veth
     *         pairs refused, ...), or empty if one can; asked once per JVM, by making and deleting a namespace
     */
    public static synchronized Optional<String> unavailable() {
        if (unavailable == null) {
            unavailable = Optional.ofNullable(probe());
        }
        return unavailable;
    }

    private static String probe() {
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "network namespaces are Linux's, and this is " + os;
        }
        long uid = new com.sun.security.auth.module.UnixSystem().getUid();
        if (uid != 0) {
            return "making a network namespace and a veth pair needs root, and this JVM runs as user id " + uid;
        }
        if (Ip.binary().isEmpty()) {
            return "iproute2's ip is not installed (Debian: apt-get install iproute2)";
        }
        if (!Files.isExecutable(SH)) {
            return SH + " is missing (it turns on rp_filter inside the namespace)";
        }
        String probe = PREFIX + PID + "-probe";
        try {
            Ip.run("netns", "add", probe);
            try {
                Ip.run("-n", probe, "link", "add", "probe0", "type", "veth", "peer", "name", "probe1");
                Ip.run("netns", "exec", probe, SH.toString(), "-c", STRICT_REVERSE_PATH);
            } finally {
                Ip.run("netns", "delete", probe);
            }
        } catch (IOException e) {
            return "cannot make a network namespace with a veth pair here: " + e.getMessage();
        }
        return null;
    }

    /**
     * Makes a partition around a database that listens on this machine, at {@link #databaseSideAddress()} or on
     * all addresses, and starts its relay.
     *
     * @param databasePort the database's TCP port
     * @return the partition, healed
     * @throws IllegalStateException if {@link #unavailable()} says why not
     * @throws IOException           if making the link or starting the relay fails; what was made is removed
     */
    public static NetworkPartition around(int databasePort) throws IOException {
        Optional<String> reason = unavailable();
        if (reason.isPresent()) {
            throw new IllegalStateException(reason.get());
        }
        NetworkPartition partition = makeLink();
        try {
            partition.relay = RelayProcess.start(partition.namespace, partition.addresses.namespaceEnd(),
                    new InetSocketAddress(partition.addresses.rootEnd(), databasePort));
        } catch (IOException | RuntimeException e) {
            partition.closeAfter(e);
            throw e;
        }
        return partition;
    }

    /** Cleans up stale namespaces, chooses free addresses and makes the namespace and its link, under the lock. */
    private static NetworkPartition makeLink() throws IOException {
        synchronized (NetworkPartition.class) {
            try (FileChannel file = FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = file.lock()) {
                deleteStaleNamespaces();
                int number = SEQUENCE.getAndIncrement();
                LinkAddresses addresses = LinkAddresses.firstFree(PID * 16 + number,
                        LinkAddresses.usedIn(Ip.run("-4", "-o", "address", "show")));
                NetworkPartition partition = new NetworkPartition(PREFIX + PID + "-" + number,
                        rootLinkName(PID, number), addresses);
                OWN.add(partition.namespace);
                try {
                    partition.createLink("dl" + PID + "n" + number);
                    Runtime.getRuntime().addShutdownHook(partition.shutdownHook);
                } catch (IOException | RuntimeException e) {
                    partition.closeAfter(e);
                    throw e;
                }
                return partition;
            }
        }
    }

    /** @return the file every JVM of this machine locks: in the first of {@link #LOCK_DIRECTORIES} there is */
    private static Path lockFile() {
        return LOCK_DIRECTORIES.stream().filter(Files::isDirectory).findFirst()
                .orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"))).resolve(LOCK_FILE);
    }

    /** The root end of the link of namespace {@code dlock-PID-N}: at most 15 characters, as a link's name must be. */
    private static String rootLinkName(long pid, int number) {
        return "dl" + pid + "r" + number;
    }

    private void createLink(String namespaceLink) throws IOException {
        Ip.run("netns", "add", namespace);
        Ip.run("link", "add", rootLink, "type", "veth", "peer", "name", namespaceLink);
        Ip.run("link", "set", namespaceLink, "netns", namespace);
        Ip.run("address", "add", addresses.rootEnd() + "/30", "dev", rootLink);
        Ip.run("link", "set", rootLink, "up");
        Ip.run("-n", namespace, "address", "add", addresses.namespaceEnd() + "/30", "dev", namespaceLink);
        Ip.run("-n", namespace, "link", "set", namespaceLink, "up");
        Ip.run("-n", namespace, "link", "set", "lo", "up");
        Ip.run("netns", "exec", namespace, SH.toString(), "-c", STRICT_REVERSE_PATH);
    }

    /**
     * Deletes the namespaces named {@code dlock-PID-N} whose process no longer runs, or that carry this JVM's
     * process id without being its own (a process of old with the same id), with their root-end links.
     */
    private static void deleteStaleNamespaces() throws IOException {
        for (String line : Ip.run("netns", "list").split("\n")) {
            String name = line.strip().split("\\s+")[0];
            Matcher matcher = NAMESPACE.matcher(name);
            if (!matcher.matches()) {
                continue;
            }
            long pid = Long.parseLong(matcher.group(1));
            boolean running = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            if (running && (pid != PID || OWN.contains(name))) {
                continue;
            }
            if (matcher.group(2).chars().allMatch(Character::isDigit) && matcher.group(2).length() < 6) {
                Ip.runQuietly("link", "delete", rootLinkName(pid, Integer.parseInt(matcher.group(2))));
            }
            Ip.runQuietly("netns", "delete", name);
        }
    }

    /** @return where a client connects to reach the database through the link: the relay, inside the namespace */
    public InetSocketAddress clientAddress() {
        return relay.address();
    }

    /**
     * @return the root end of the link, where the relay connects to the database: the database must listen on
     *         this address, or on all addresses
     */
    public String databaseSideAddress() {
        return addresses.rootEnd();
    }

    /**
     * @return the address the database sees the sessions through the partition come from, such as PostgreSQL's
     *         {@code pg_stat_activity.client_addr}
     */
    public String relayAddress() {
        return addresses.namespaceEnd();
    }

    /** @return the namespace's name, {@code dlock-PID-N}, for test output */
    public String namespace() {
        return namespace;
    }

    /**
     * Cuts the link: from now on every packet either way is dropped, and nothing is closed or told; see the class.
     * Does nothing if it is cut already.
     *
     * @throws UncheckedIOException if {@code ip} fails
     */
    public synchronized void cut() {
        requireOpen();
        if (!cut) {
            route("add");
            cut = true;
        }
    }

    /**
     * Heals the link: packets pass again, and TCP's next retransmissions get through. Does nothing if it is not cut.
     *
     * @throws UncheckedIOException if {@code ip} fails
     */
    public synchronized void heal() {
        requireOpen();
        if (cut) {
            route("delete");
            cut = false;
        }
    }

    /** @return whether the link is cut */
    public synchronized boolean isCut() {
        return cut;
    }

    private void route(String change) {
        try {
            Ip.run("-n", namespace, "route", change, "blackhole", addresses.rootEnd() + "/32");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot " + change + " the blackhole route in " + namespace, e);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(namespace + " is closed");
        }
    }

    /**
     * Heals the link if it is cut, ends the relay, whose connections close with it (so the database's sessions through
     * the partition end, rather than stay half open for as long as the server's keepalive allows), then deletes the
     * link (both ends) and the namespace. Goes on whatever fails; a second call does nothing.
     *
     * @throws IllegalStateException if a step failed, saying which
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // this is the hook, or the JVM is on its way out anyway
        }
        List<String> failures = new ArrayList<>();
        if (cut) {
            Ip.runQuietly("-n", namespace, "route", "delete", "blackhole", addresses.rootEnd() + "/32")
                    .ifPresent(failures::add);
            cut = false;
        }
        if (relay != null) {
            relay.close();
        }
        if (linkExists()) {
            Ip.runQuietly("link", "delete", rootLink).ifPresent(failures::add);
        }
        Ip.runQuietly("netns", "delete", namespace).ifPresent(failures::add);
        OWN.remove(namespace);
        if (!failures.isEmpty()) {
            throw new IllegalStateException("could not remove all of " + namespace + ": " + failures);
        }
    }

    /** Closes what a failed start made, keeping a failure to do so with {@code failure}. */
    private void closeAfter(Exception failure) {
        try {
            close();
        } catch (IllegalStateException e) {
            failure.addSuppressed(e);
        }
    }

    private boolean linkExists() {
        return Ip.runQuietly("link", "show", rootLink).isEmpty();
    }

    @Override
    public String toString() {
        return "network partition " + namespace + " (" + addresses.rootEnd() + " - " + addresses.namespaceEnd()
                + (isCut() ? ", cut)" : ")");
    }
}
