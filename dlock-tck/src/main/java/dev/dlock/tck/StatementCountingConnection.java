package dev.dlock.tck;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection that counts the statements made on it ({@code createStatement}, {@code prepareStatement},
 * {@code prepareCall}), so a test can prove that bad input sent nothing to the database. Everything else goes
 * to the real connection, {@code unwrap} included.
 */
public final class StatementCountingConnection implements InvocationHandler {
    private static final Set<String> STATEMENT_FACTORIES = Set.of("createStatement", "prepareStatement", "prepareCall");

    private final Connection delegate;
    private final AtomicInteger statements = new AtomicInteger();
    private final Connection proxy;

    private StatementCountingConnection(Connection delegate) {
        this.delegate = delegate;
        this.proxy = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, this);
    }

    /**
     * @param delegate the real connection
     * @return a counter around it
     */
    public static StatementCountingConnection wrap(Connection delegate) {
        return new StatementCountingConnection(delegate);
    }

    /** @return the counting connection to hand to the code under test */
    public Connection connection() {
        return proxy;
    }

    /** @return how many statements were made so far */
    public int statements() {
        return statements.get();
    }

    @Override
    public Object invoke(Object self, Method method, Object[] args) throws Throwable {
        if (STATEMENT_FACTORIES.contains(method.getName())) {
            statements.incrementAndGet();
        }
        try {
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
