package dev.dlock.tck;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection that records every call that ends or changes a transaction ({@code commit}, {@code rollback},
 * {@code setAutoCommit}, savepoint calls), so a test can prove dlock made none, and that can be told to fail the
 * next statement it is asked to make, as a driver would on a transient error. Everything else, {@code unwrap}
 * included, goes to the real connection.
 */
public final class TransactionWatchingConnection implements InvocationHandler {
    private static final Set<String> TRANSACTION_CALLS = Set.of("commit", "rollback", "setAutoCommit", "setSavepoint",
            "releaseSavepoint", "setTransactionIsolation", "setReadOnly");
    private static final Set<String> STATEMENT_FACTORIES = Set.of("createStatement", "prepareStatement", "prepareCall");

    private final Connection delegate;
    private final Connection proxy;
    private final List<String> transactionCalls = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresToInject = new AtomicInteger();

    private TransactionWatchingConnection(Connection delegate) {
        this.delegate = delegate;
        this.proxy = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, this);
    }

    /**
     * @param delegate the real connection
     * @return a watcher around it
     */
    public static TransactionWatchingConnection wrap(Connection delegate) {
        return new TransactionWatchingConnection(delegate);
    }

    /** @return the watched connection to hand to the code under test */
    public Connection connection() {
        return proxy;
    }

    /** @return the transaction calls made through {@link #connection()} so far, by method name */
    public List<String> transactionCalls() {
        return List.copyOf(transactionCalls);
    }

    /** Makes the next statement requested through {@link #connection()} fail with a transient SQLException. */
    public void failNextStatement() {
        failuresToInject.incrementAndGet();
    }

    @Override
    public Object invoke(Object self, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (TRANSACTION_CALLS.contains(name)) {
            transactionCalls.add(name);
        }
        if (STATEMENT_FACTORIES.contains(name) && failuresToInject.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new SQLTransientConnectionException("injected by the test: the driver failed to send", "08000");
        }
        try {
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
