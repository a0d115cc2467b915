package dev.dlock.tck.stub;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * A JDBC {@link Connection} that follows a script. Each statement the code under test will make is expected in
 * order ({@link #expectCall}, {@link #expectPrepare}), with its exact SQL text, bound parameters and answer
 * (see {@link ExpectedStatement}). Calls outside the script fail the test.
 *
 * <p>Answered from state without a script, because the dlock API makes them at points a dialect does not
 * choose: {@code getMetaData()} (product name and version only), {@code unwrap}/{@code isWrapperFor}
 * (the connection is its own physical connection), {@code isClosed}, {@code close}, {@code getAutoCommit},
 * {@code setAutoCommit}, and on statements {@code cancel}, {@code close}, {@code isClosed}, {@code wasNull},
 * {@code getWarnings}, {@code clearWarnings}. Everything else is a violation: it throws {@link AssertionError}
 * where it happens and is reported again by {@link #verify()}, which also fails on expected statements never
 * made, made but never executed, or never closed.
 *
 * <p>One instance per test: dlock remembers what it knows about a connection by its identity.
 */
public final class ScriptedConnection {
    private final String productName;
    private final String productVersion;
    private final Deque<ExpectedStatement> expected = new ArrayDeque<>();
    private final List<ScriptedStatement> made = Collections.synchronizedList(new ArrayList<>());
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final Connection proxy;
    private final DatabaseMetaData metaData;
    private volatile boolean autoCommit = true;
    private volatile int networkTimeout;
    private volatile boolean closed;

    private ScriptedConnection(String productName, String productVersion) {
        this.productName = Objects.requireNonNull(productName, "productName");
        this.productVersion = Objects.requireNonNull(productVersion, "productVersion");
        this.proxy = (Connection) Proxy.newProxyInstance(ScriptedConnection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, this::onConnection);
        this.metaData = (DatabaseMetaData) Proxy.newProxyInstance(ScriptedConnection.class.getClassLoader(),
                new Class<?>[] {DatabaseMetaData.class}, this::onMetaData);
    }

    /**
     * @param productName what {@code DatabaseMetaData.getDatabaseProductName()} answers
     * @return a connection with an empty script, in auto-commit mode
     */
    public static ScriptedConnection of(String productName) {
        return of(productName, "");
    }

    /**
     * @param productName    what {@code DatabaseMetaData.getDatabaseProductName()} answers
     * @param productVersion what {@code DatabaseMetaData.getDatabaseProductVersion()} answers
     * @return a connection with an empty script, in auto-commit mode
     */
    public static ScriptedConnection of(String productName, String productVersion) {
        return new ScriptedConnection(productName, productVersion);
    }

    /**
     * @param autoCommit the auto-commit mode the connection starts in (the test may also call
     *                   {@code setAutoCommit} on it)
     * @return this
     */
    public ScriptedConnection autoCommit(boolean autoCommit) {
        this.autoCommit = autoCommit;
        return this;
    }

    /**
     * @param millis what {@code getNetworkTimeout()} answers (the driver's {@code socketTimeout}); 0, the
     *               default, for none
     * @return this
     */
    public ScriptedConnection networkTimeout(int millis) {
        this.networkTimeout = millis;
        return this;
    }

    /**
     * Expects {@code prepareCall(sql)} next.
     *
     * @param sql the exact SQL text
     * @return the statement's expectations, to be completed by the caller
     */
    public ExpectedStatement expectCall(String sql) {
        return expect(new ExpectedStatement("prepareCall", sql));
    }

    /**
     * Expects {@code prepareStatement(sql)} next.
     *
     * @param sql the exact SQL text
     * @return the statement's expectations, to be completed by the caller
     */
    public ExpectedStatement expectPrepare(String sql) {
        return expect(new ExpectedStatement("prepareStatement", sql));
    }

    private synchronized ExpectedStatement expect(ExpectedStatement statement) {
        expected.addLast(statement);
        return statement;
    }

    /** @return the connection to hand to the code under test */
    public Connection connection() {
        return proxy;
    }

    /** @return the violations so far, in order */
    public List<String> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    /**
     * Fails if anything went off script: a violation, an expected statement never made, a statement made but not
     * executed, or not closed.
     *
     * @throws AssertionError listing every problem
     */
    public void verify() {
        List<String> problems = new ArrayList<>(violations());
        synchronized (this) {
            for (ExpectedStatement statement : expected) {
                problems.add("expected but never made: " + statement);
            }
        }
        synchronized (made) {
            for (ScriptedStatement statement : made) {
                problems.addAll(statement.leftovers());
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("the JDBC script was not followed:\n  " + String.join("\n  ", problems));
        }
    }

    /**
     * Records a violation and returns the error to throw where it happened.
     *
     * @param message what went off script
     * @return the error
     */
    AssertionError violation(String message) {
        violations.add(message);
        return new AssertionError(message);
    }

    private Object onConnection(Object self, Method method, Object[] args) throws SQLException {
        String name = method.getName();
        switch (name) {
            case "equals":
                return self == args[0];
            case "hashCode":
                return System.identityHashCode(self);
            case "toString":
                return "ScriptedConnection[" + productName + "]";
            case "unwrap":
                if (((Class<?>) args[0]).isInstance(self)) {
                    return self;
                }
                throw new SQLException("not a wrapper for " + args[0]);
            case "isWrapperFor":
                return ((Class<?>) args[0]).isInstance(self);
            case "isClosed":
                return closed;
            case "close":
                closed = true;
                return null;
            case "getAutoCommit":
                checkOpen(name);
                return autoCommit;
            case "getNetworkTimeout":
                checkOpen(name);
                return networkTimeout;
            case "setAutoCommit":
                checkOpen(name);
                autoCommit = (Boolean) args[0];
                return null;
            case "getMetaData":
                checkOpen(name);
                return metaData;
            case "prepareCall":
            case "prepareStatement":
                if (args.length == 1) {
                    checkOpen(name);
                    return make(name, (String) args[0]);
                }
                break;
            default:
                break;
        }
        throw violation("unexpected call Connection." + describe(method, args));
    }

    /** @return whether the connection was closed (given back, for a pool's connection) */
    public boolean isClosed() {
        return closed;
    }

    private void checkOpen(String call) throws SQLException {
        if (closed) {
            throw new SQLException("connection closed (" + call + ")", "08003");
        }
    }

    private Object make(String factory, String sql) {
        ExpectedStatement next;
        synchronized (this) {
            next = expected.pollFirst();
        }
        if (next == null) {
            throw violation("unexpected statement " + factory + "(\"" + sql + "\"): the script has no more statements");
        }
        if (!next.factory.equals(factory) || !next.sql.equals(sql)) {
            throw violation("unexpected statement " + factory + "(\"" + sql + "\"); expected " + next);
        }
        ScriptedStatement statement = new ScriptedStatement(this, next);
        made.add(statement);
        Class<?> type = factory.equals("prepareCall") ? CallableStatement.class : PreparedStatement.class;
        return Proxy.newProxyInstance(ScriptedConnection.class.getClassLoader(), new Class<?>[] {type}, statement);
    }

    private Object onMetaData(Object self, Method method, Object[] args) {
        switch (method.getName()) {
            case "getDatabaseProductName":
                return productName;
            case "getDatabaseProductVersion":
                return productVersion;
            case "getConnection":
                return proxy;
            case "equals":
                return self == args[0];
            case "hashCode":
                return System.identityHashCode(self);
            case "toString":
                return "ScriptedConnection.metaData[" + productName + "]";
            default:
                throw violation("unexpected call DatabaseMetaData." + describe(method, args));
        }
    }

    static String describe(Method method, Object[] args) {
        StringBuilder text = new StringBuilder(method.getName()).append('(');
        if (args != null) {
            for (int i = 0; i < args.length; i++) {
                text.append(i == 0 ? "" : ", ").append(args[i] instanceof String ? "\"" + args[i] + "\"" : args[i]);
            }
        }
        return text.append(')').toString();
    }
}
