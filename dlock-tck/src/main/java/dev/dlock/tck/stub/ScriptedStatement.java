package dev.dlock.tck.stub;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** The {@link java.sql.CallableStatement} / {@link java.sql.PreparedStatement} behind one {@link ExpectedStatement}. */
final class ScriptedStatement implements InvocationHandler {
    private final ScriptedConnection connection;
    private final ExpectedStatement script;
    private final Map<Integer, ExpectedStatement.Binding> bound = new HashMap<>();
    private final Map<Integer, Integer> registered = new HashMap<>();
    private volatile boolean executed;
    private volatile boolean closed;
    private boolean lastWasNull;
    private volatile Thread blocked;
    private boolean resultSetTaken;

    ScriptedStatement(ScriptedConnection connection, ExpectedStatement script) {
        this.connection = connection;
        this.script = script;
    }

    /** @return what {@link ScriptedConnection#verify()} should complain about */
    List<String> leftovers() {
        List<String> problems = new ArrayList<>();
        if (!executed) {
            problems.add("made but never executed: " + script);
        }
        if (!closed) {
            problems.add("never closed: " + script);
        }
        return problems;
    }

    @Override
    public Object invoke(Object self, Method method, Object[] args) throws SQLException {
        String name = method.getName();
        int arity = args == null ? 0 : args.length;
        switch (name) {
            case "equals":
                return self == args[0];
            case "hashCode":
                return System.identityHashCode(self);
            case "toString":
                return "ScriptedStatement[" + script.sql + "]";
            case "cancel":
                // from any thread, at any time, as drivers allow: a cancel of a statement that is not executing
                // (not yet on the server) does nothing, and is lost
                script.cancels.incrementAndGet();
                if (executed) {
                    script.cancelled.countDown();
                    LockSupport.unpark(blocked);
                }
                return null;
            case "close":
                closed = true;
                return null;
            case "getResultSet":
                // after execute(): the scripted rows, once
                if (arity == 0 && executed && "execute".equals(script.executeMethod) && script.rows != null
                        && !resultSetTaken) {
                    resultSetTaken = true;
                    return resultSet();
                }
                break;
            case "setQueryTimeout":
                // the driver's own client-side timer; recorded for the test to look at
                script.queryTimeout = (Integer) args[0];
                return null;
            case "isClosed":
                return closed;
            case "getWarnings":
                return executed ? script.warning : null;
            case "clearWarnings":
                return null;
            case "wasNull":
                return lastWasNull;
            case "registerOutParameter":
                if (arity == 2 && args[0] instanceof Integer index && args[1] instanceof Integer type) {
                    return register(index, type);
                }
                break;
            case "execute":
            case "executeQuery":
            case "executeUpdate":
                if (arity == 0) {
                    return execute(name);
                }
                break;
            case "getInt":
            case "getLong":
            case "getString":
            case "getObject":
                if (arity == 1 && args[0] instanceof Integer index) {
                    return out(name, index);
                }
                break;
            default:
                if (name.startsWith("set") && arity == 2 && args[0] instanceof Integer index) {
                    return bind(name, index, args[1]);
                }
                break;
        }
        throw offScript("unexpected call " + ScriptedConnection.describe(method, args));
    }

    private AssertionError offScript(String what) {
        return connection.violation(what + " on " + script);
    }

    private void checkUsable(String call) throws SQLException {
        if (closed) {
            throw offScript(call + " after close");
        }
    }

    private Object register(int index, int type) throws SQLException {
        checkUsable("registerOutParameter");
        Integer expectedType = script.outParameters.get(index);
        if (expectedType == null || expectedType != type || registered.putIfAbsent(index, type) != null) {
            throw offScript("unexpected registerOutParameter(" + index + ", " + type + "); scripted out parameters "
                    + script.outParameters);
        }
        return null;
    }

    private Object bind(String setter, int index, Object value) throws SQLException {
        checkUsable(setter);
        ExpectedStatement.Binding expected = script.bindings.get(index);
        ExpectedStatement.Binding actual = new ExpectedStatement.Binding(setter, value);
        if (expected == null || !expected.matches(setter, value)) {
            throw offScript("unexpected " + actual + " for parameter " + index + "; expected "
                    + (expected == null ? "no such parameter" : expected));
        }
        if (bound.putIfAbsent(index, actual) != null) {
            throw offScript("parameter " + index + " bound twice");
        }
        return null;
    }

    private Object execute(String method) throws SQLException {
        checkUsable(method);
        if (executed) {
            throw offScript("second execution");
        }
        if (!method.equals(script.executeMethod)) {
            throw offScript("executed with " + method + "(); expected " + script.executeMethod + "()");
        }
        if (!bound.keySet().equals(script.bindings.keySet()) || !registered.keySet().equals(script.outParameters.keySet())) {
            throw offScript("executed with parameters " + bound + " and out parameters " + registered + "; expected "
                    + script.bindings + " and " + script.outParameters);
        }
        executed = true;
        script.executing.countDown();
        if (script.blocksUntilCancelled) {
            awaitCancel();
        }
        long takesUntil = System.nanoTime() + script.takes.toNanos();
        long left;
        while ((left = takesUntil - System.nanoTime()) > 0) {
            LockSupport.parkNanos(this, left); // the scripted database's own wait
        }
        if (script.failure != null) {
            throw script.failure;
        }
        switch (method) {
            case "executeQuery":
                return resultSet();
            case "executeUpdate":
                return 0;
            default:
                return script.rows != null;
        }
    }

    /**
     * Blocks like a driver in a socket read: interrupts neither end the wait nor clear the thread's interrupt flag
     * (dlock's watchdog looks at that flag to decide to cancel); only {@code cancel()} ends it.
     */
    private void awaitCancel() {
        blocked = Thread.currentThread();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ExpectedStatement.SANITY_SECONDS);
        while (script.cancelled.getCount() > 0) {
            if (System.nanoTime() - deadline > 0) {
                throw offScript("blocked for " + ExpectedStatement.SANITY_SECONDS + " s and was never cancelled");
            }
            // woken by cancel(); returns at once while the interrupt flag is up, which lasts until the watchdog acts
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private Object out(String getter, int index) throws SQLException {
        checkUsable(getter);
        if (!executed || !registered.containsKey(index) || !script.outValues.containsKey(index)) {
            throw offScript("unexpected " + getter + "(" + index + "): out parameters " + registered + ", answers "
                    + script.outValues + (executed ? "" : ", not executed yet"));
        }
        Object value = script.outValues.get(index);
        lastWasNull = value == null;
        return convert(getter, value);
    }

    static Object convert(String getter, Object value) {
        switch (getter) {
            case "getInt":
                return value == null ? 0 : ((Number) value).intValue();
            case "getLong":
                return value == null ? 0L : ((Number) value).longValue();
            case "getBoolean":
                return value != null && (value instanceof Boolean b ? b : ((Number) value).intValue() != 0);
            case "getString":
                return value == null ? null : value.toString();
            default:
                return value;
        }
    }

    private ResultSet resultSet() {
        if (script.rows == null) {
            throw offScript("executeQuery() but the script gives no rows");
        }
        return (ResultSet) Proxy.newProxyInstance(ScriptedStatement.class.getClassLoader(),
                new Class<?>[] {ResultSet.class}, new Rows());
    }

    /** The result set of an {@code executeQuery()}: the scripted rows, read forward. */
    private final class Rows implements InvocationHandler {
        private int row = -1;
        private boolean rowsClosed;
        private boolean wasNull;

        @Override
        public Object invoke(Object self, Method method, Object[] args) {
            String name = method.getName();
            int arity = args == null ? 0 : args.length;
            switch (name) {
                case "equals":
                    return self == args[0];
                case "hashCode":
                    return System.identityHashCode(self);
                case "toString":
                    return "ScriptedResultSet[" + script.sql + "]";
                case "next":
                    row++;
                    return row < script.rows.size();
                case "close":
                    rowsClosed = true;
                    return null;
                case "isClosed":
                    return rowsClosed;
                case "wasNull":
                    return wasNull;
                case "getInt":
                case "getLong":
                case "getString":
                case "getObject":
                case "getBoolean":
                    if (arity == 1 && args[0] instanceof Integer column && row >= 0 && row < script.rows.size()
                            && column >= 1 && column <= script.rows.get(row).length) {
                        Object value = script.rows.get(row)[column - 1];
                        wasNull = value == null;
                        return convert(name, value);
                    }
                    break;
                default:
                    break;
            }
            throw offScript("unexpected call ResultSet." + ScriptedConnection.describe(method, args) + " at row " + row);
        }
    }
}
