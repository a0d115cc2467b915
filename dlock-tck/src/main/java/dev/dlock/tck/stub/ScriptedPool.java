package dev.dlock.tck.stub;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A pool of {@link ScriptedConnection}s: its {@code getConnection()} lends them in the order given, each once,
 * so a test of {@code Locks.forDataSource} scripts which statements go to which connection. Asking for one more
 * than it has, or any other call, is a violation ({@link AssertionError}).
 */
public final class ScriptedPool {
    private final List<ScriptedConnection> connections;
    private final AtomicInteger lent = new AtomicInteger();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final DataSource proxy;

    private ScriptedPool(List<ScriptedConnection> connections) {
        this.connections = List.copyOf(connections);
        this.proxy = (DataSource) Proxy.newProxyInstance(ScriptedPool.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (self, method, args) -> {
                    if (!method.getName().equals("getConnection") || args != null) {
                        throw violation("unexpected call DataSource." + method.getName());
                    }
                    int next = lent.getAndIncrement();
                    if (next >= this.connections.size()) {
                        throw violation("connection " + (next + 1) + " asked for; the script has "
                                + this.connections.size());
                    }
                    return this.connections.get(next).connection();
                });
    }

    private AssertionError violation(String message) {
        violations.add(message);
        return new AssertionError(message);
    }

    /**
     * @param inOrder the connections, in the order the pool lends them
     * @return the pool
     */
    public static ScriptedPool of(ScriptedConnection... inOrder) {
        return new ScriptedPool(List.of(inOrder));
    }

    /** @return the data source to hand to dlock */
    public DataSource dataSource() {
        return proxy;
    }

    /** @return how many connections were lent so far */
    public int lent() {
        return lent.get();
    }

    /** Fails if a call went off script, here or on any of the connections ({@link ScriptedConnection#verify()}). */
    public void verify() {
        if (!violations.isEmpty()) {
            throw new AssertionError("off script: " + violations);
        }
        connections.forEach(ScriptedConnection::verify);
    }
}
