package dev.dlock.internal;

import dev.dlock.LockKey;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.spi.DialectLock;
import dev.dlock.spi.LockProvider;
import dev.dlock.spi.LockRequest;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two in-memory dialects for the product "FakeDB", to test what the API does around a dialect: provider
 * choice, the per-connection rule, the order of checks, and what becomes of a connection when the database
 * refuses or fails. Text keys choose the answer: {@code "busy..."} is held elsewhere, {@code "broken..."}
 * fails its request, {@code "stuck..."} fails its release, {@code "gated..."} is granted once the test's {@link #gate}
 * opens; any other key is granted. {@link Plus} also keeps a lease in a session setting and refuses a replica;
 * {@link Broken} fails as it is made. Real lock behaviour is
 * tested on real databases.
 */
final class FakeDialects {
    /** Keys "held" on the fake server, as a re-entrant database would grant them: one set for every connection. */
    static final Set<Object> SERVER = new HashSet<>();
    /** What a {@code "gated..."} request waits for, inside its statement; a test sets it before the request. */
    static volatile Gate gate;

    /** A statement that stays under way until a test lets it go. */
    static final class Gate {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);

        void pass() {
            entered.countDown();
            try {
                if (!open.await(1, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("the gate was never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private FakeDialects() {
    }

    /** Handles every "FakeDB". */
    public static final class Plain implements LockProvider {
        @Override
        public String dialect() {
            return "FakeDB";
        }

        @Override
        public boolean handles(String productName, String productVersion) {
            return "FakeDB".equals(productName);
        }

        @Override
        public String declines(String productName, String productVersion) {
            return "FakeDB-Legacy".equals(productName) ? "FakeDB before 2.0 is not supported" : null;
        }

        @Override
        public Set<LockMode> supportedModes() {
            return EnumSet.of(LockMode.EXCLUSIVE);
        }

        @Override
        public Set<LockScope> supportedScopes() {
            return EnumSet.allOf(LockScope.class);
        }

        @Override
        public DialectLock lockFor(LockKey key, LockOptions options) {
            if (key.toString().length() > 20) {
                throw new IllegalArgumentException("FakeDB names are at most 20 characters");
            }
            return new DialectLock() {
                @Override
                public Object databaseKey() {
                    return key.toString();
                }

                private String name() {
                    return key instanceof LockKey.Text text ? text.value() : "";
                }

                @Override
                public boolean request(Connection connection, LockRequest request) throws SQLException {
                    if (name().startsWith("busy")) {
                        return false;
                    }
                    if (name().startsWith("broken")) {
                        throw new SQLException("connection reset by peer", "08006");
                    }
                    if (name().startsWith("gated")) {
                        gate.pass();
                    }
                    synchronized (SERVER) {
                        SERVER.add(key.toString());
                    }
                    return true;
                }

                @Override
                public boolean isHeld(Connection connection) {
                    synchronized (SERVER) {
                        return SERVER.contains(key.toString());
                    }
                }

                @Override
                public boolean unlock(Connection connection) throws SQLException {
                    if (name().startsWith("stuck")) {
                        throw new SQLException("connection reset by peer", "08006");
                    }
                    synchronized (SERVER) {
                        return SERVER.remove(key.toString());
                    }
                }
            };
        }
    }

    /** Handles "FakeDB" whose version says "Plus", ahead of {@link Plain}, as MariaDB outranks MySQL. */
    public static final class Plus implements LockProvider {
        @Override
        public String dialect() {
            return "FakeDB Plus";
        }

        @Override
        public int priority() {
            return 10;
        }

        @Override
        public boolean handles(String productName, String productVersion) {
            return "FakeDB".equals(productName) && productVersion.contains("Plus");
        }

        @Override
        public Set<LockMode> supportedModes() {
            return EnumSet.of(LockMode.EXCLUSIVE, LockMode.SHARED);
        }

        @Override
        public Set<LockScope> supportedScopes() {
            return EnumSet.of(LockScope.SESSION);
        }

        /** Refuses a server whose session setting {@code "replica"} is set: it cannot lock for other sessions. */
        @Override
        public String refuses(Connection connection) throws SQLException {
            return connection.getClientInfo("replica") == null ? null
                    : "FakeDB Plus: a replica cannot lock for other sessions";
        }

        /**
         * A lease kept in a session setting, the client info property {@code "lease"}, as PostgreSQL keeps one in
         * its TCP settings: set for the lease, put back to what it was by the {@link Restore}.
         */
        @Override
        public Restore lease(Connection connection, Duration lease) throws SQLException {
            String before = connection.getClientInfo("lease");
            connection.setClientInfo("lease", lease.toString());
            return restored -> restored.setClientInfo("lease", before);
        }

        @Override
        public DialectLock lockFor(LockKey key, LockOptions options) {
            return new Plain().lockFor(key, options);
        }
    }

    /** A provider whose constructor fails, as one missing a class it needs does; listed only by ProvidersTest. */
    public static final class Broken implements LockProvider {
        public Broken() {
            throw new IllegalStateException("FakeDB Broken needs a class that is missing");
        }

        @Override
        public String dialect() {
            return "FakeDB Broken";
        }

        @Override
        public boolean handles(String productName, String productVersion) {
            return false;
        }

        @Override
        public Set<LockMode> supportedModes() {
            return EnumSet.of(LockMode.EXCLUSIVE);
        }

        @Override
        public Set<LockScope> supportedScopes() {
            return EnumSet.of(LockScope.SESSION);
        }

        @Override
        public DialectLock lockFor(LockKey key, LockOptions options) {
            throw new UnsupportedOperationException();
        }
    }

    /**
     * A connection that reports a product and counts how often its metadata is read, and what a pool's user
     * does to it: commits, rollbacks, close (back to the pool) and abort (the session ended).
     */
    static final class FakeConnection {
        final AtomicInteger metadataReads = new AtomicInteger();
        final AtomicInteger statements = new AtomicInteger();
        final AtomicInteger commits = new AtomicInteger();
        final AtomicInteger rollbacks = new AtomicInteger();
        final AtomicInteger aborts = new AtomicInteger();
        /** The session's settings ({@code setClientInfo}), where a lease of {@link Plus} is kept. */
        final Map<String, String> settings = new ConcurrentHashMap<>();
        /** What {@code getClientInfo} and {@code setClientInfo} throw, if anything. */
        volatile SQLClientInfoException settingFailure;
        /** What {@code abort} throws, if anything (after counting the call). */
        volatile SQLException abortFailure;
        /** What {@code rollback()} throws, if anything. */
        volatile SQLException rollbackFailure;
        volatile boolean closed;
        volatile boolean autoCommit = true;
        final Connection connection;

        FakeConnection(String product, String version) {
            DatabaseMetaData metaData = (DatabaseMetaData) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {DatabaseMetaData.class}, (self, method, args) -> switch (method.getName()) {
                        case "getDatabaseProductName" -> product;
                        case "getDatabaseProductVersion" -> version;
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
            connection = (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {Connection.class}, (self, method, args) -> switch (method.getName()) {
                        case "getMetaData" -> {
                            metadataReads.incrementAndGet();
                            yield metaData;
                        }
                        case "isClosed" -> closed;
                        case "getAutoCommit" -> autoCommit;
                        case "setAutoCommit" -> {
                            autoCommit = (Boolean) args[0];
                            yield null;
                        }
                        case "getClientInfo" -> {
                            if (settingFailure != null) {
                                throw settingFailure;
                            }
                            yield settings.get((String) args[0]);
                        }
                        case "setClientInfo" -> {
                            if (settingFailure != null) {
                                throw settingFailure;
                            }
                            if (args[1] == null) {
                                settings.remove((String) args[0]);
                            } else {
                                settings.put((String) args[0], (String) args[1]);
                            }
                            yield null;
                        }
                        case "commit" -> {
                            commits.incrementAndGet();
                            yield null;
                        }
                        case "rollback" -> {
                            rollbacks.incrementAndGet();
                            if (rollbackFailure != null) {
                                throw rollbackFailure;
                            }
                            yield null;
                        }
                        case "close" -> {
                            closed = true;
                            yield null;
                        }
                        case "abort" -> {
                            aborts.incrementAndGet();
                            if (abortFailure != null) {
                                throw abortFailure;
                            }
                            closed = true;
                            yield null;
                        }
                        case "unwrap" -> self;
                        case "hashCode" -> System.identityHashCode(self);
                        case "equals" -> self == args[0];
                        case "toString" -> "FakeConnection(" + product + ")";
                        case "createStatement", "prepareStatement", "prepareCall" -> {
                            statements.incrementAndGet();
                            throw new UnsupportedOperationException("no SQL here");
                        }
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
        }

        /** @return another proxy whose {@code unwrap(Connection.class)} gives this connection, as pools do */
        Connection pooledView() {
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                    (self, method, args) -> switch (method.getName()) {
                        case "unwrap" -> connection;
                        case "hashCode" -> System.identityHashCode(self);
                        case "equals" -> self == args[0];
                        default -> method.invoke(connection, args);
                    });
        }
    }
}
