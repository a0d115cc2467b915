package dev.dlock.tck.stub;

import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * One statement a {@link ScriptedConnection} expects: how it is made and with which SQL text, each parameter
 * with the setter that must bind it, the out parameters with their types, the execute method, and the answer.
 * Built fluently; every expectation is checked when the code under test calls the statement.
 *
 * <pre>{@code
 * db.expectCall("{? = call sp_getapplock(?, ?, ?, ?)}")
 *   .registerOut(1, Types.INTEGER)
 *   .setString(2, "my-key").setString(3, "Exclusive").setString(4, "Session").setInt(5, 0)
 *   .execute()
 *   .returnsOut(1, -1);
 * }</pre>
 */
public final class ExpectedStatement {
    /** How long a statement told to block waits for its cancel before it fails the test. */
    static final long SANITY_SECONDS = 30;

    final String factory;
    final String sql;
    final Map<Integer, Binding> bindings = new LinkedHashMap<>();
    final Map<Integer, Integer> outParameters = new LinkedHashMap<>();
    final Map<Integer, Object> outValues = new LinkedHashMap<>();
    String executeMethod = "execute";
    List<Object[]> rows;
    SQLException failure;
    SQLWarning warning;
    boolean blocksUntilCancelled;
    Duration takes = Duration.ZERO;
    volatile Integer queryTimeout;
    final CountDownLatch executing = new CountDownLatch(1);
    final CountDownLatch cancelled = new CountDownLatch(1);
    final AtomicInteger cancels = new AtomicInteger();

    ExpectedStatement(String factory, String sql) {
        this.factory = factory;
        this.sql = Objects.requireNonNull(sql, "sql");
    }

    /** A parameter value, or a condition on it, and the setter that must bind it. */
    record Binding(String setter, Object value, Predicate<Object> condition, String description) {
        Binding(String setter, Object value) {
            this(setter, value, null, null);
        }

        boolean matches(String otherSetter, Object otherValue) {
            return setter.equals(otherSetter)
                    && (condition == null ? Objects.deepEquals(value, otherValue) : condition.test(otherValue));
        }

        @Override
        public String toString() {
            if (condition != null) {
                return setter + "(" + description + ")";
            }
            return setter + "(" + (value instanceof String ? "\"" + value + "\"" : render(value)) + ")";
        }

        private static String render(Object value) {
            return value instanceof Object[] array ? Arrays.deepToString(array) : String.valueOf(value);
        }
    }

    /**
     * @param index   the parameter index
     * @param sqlType a {@link Types} constant; {@code registerOutParameter(index, sqlType)} must be called with it
     * @return this
     */
    public ExpectedStatement registerOut(int index, int sqlType) {
        outParameters.put(index, sqlType);
        return this;
    }

    /**
     * @param index the parameter index
     * @param value the value {@code setInt} must bind
     * @return this
     */
    public ExpectedStatement setInt(int index, int value) {
        return bind(index, "setInt", value);
    }

    /**
     * @param index the parameter index
     * @param value the value {@code setLong} must bind
     * @return this
     */
    public ExpectedStatement setLong(int index, long value) {
        return bind(index, "setLong", value);
    }

    /**
     * @param index the parameter index
     * @param value the value {@code setString} must bind
     * @return this
     */
    public ExpectedStatement setString(int index, String value) {
        return bind(index, "setString", value);
    }

    /**
     * Any other setter, by name: {@code bind(2, "setBytes", bytes)}.
     *
     * @param index  the parameter index
     * @param setter the name of the {@code PreparedStatement} setter that must be called
     * @param value  the value it must bind
     * @return this
     */
    public ExpectedStatement bind(int index, String setter, Object value) {
        return expectBinding(index, new Binding(setter, value));
    }

    /**
     * A value the test cannot know exactly, such as a timeout computed from the time left:
     * {@code setIntBetween(5, 1, 250)}.
     *
     * @param index the parameter index
     * @param min   the least value {@code setInt} may bind
     * @param max   the greatest value {@code setInt} may bind
     * @return this
     */
    public ExpectedStatement setIntBetween(int index, int min, int max) {
        return bindMatching(index, "setInt", min + ".." + max,
                v -> v instanceof Integer i && i >= min && i <= max);
    }

    /**
     * @param index       the parameter index
     * @param setter      the name of the setter that must be called
     * @param description what the condition accepts, for failure messages
     * @param condition   the condition the bound value must meet
     * @return this
     */
    public ExpectedStatement bindMatching(int index, String setter, String description, Predicate<Object> condition) {
        return expectBinding(index, new Binding(setter, null, Objects.requireNonNull(condition, "condition"),
                description));
    }

    private ExpectedStatement expectBinding(int index, Binding binding) {
        if (bindings.putIfAbsent(index, binding) != null) {
            throw new IllegalArgumentException("parameter " + index + " is already scripted");
        }
        return this;
    }

    /** @return this; the statement must be run with {@code execute()} (the default) */
    public ExpectedStatement execute() {
        executeMethod = "execute";
        return this;
    }

    /** @return this; the statement must be run with {@code executeQuery()} */
    public ExpectedStatement executeQuery() {
        executeMethod = "executeQuery";
        return this;
    }

    /** @return this; the statement must be run with {@code executeUpdate()} */
    public ExpectedStatement executeUpdate() {
        executeMethod = "executeUpdate";
        return this;
    }

    /**
     * @param index a registered out parameter
     * @param value what {@code getInt(index)} / {@code getObject(index)} answer; {@code null} is SQL NULL
     * @return this
     */
    public ExpectedStatement returnsOut(int index, Object value) {
        outValues.put(index, value);
        return this;
    }

    /**
     * @param rows the rows {@code executeQuery()} (or the result set of {@code execute()}) returns, column 1 first
     * @return this
     */
    public ExpectedStatement returnsRows(Object[]... rows) {
        this.rows = new ArrayList<>(Arrays.asList(rows));
        return this;
    }

    /**
     * @param warning what {@code getWarnings()} answers after the execution
     * @return this
     */
    public ExpectedStatement warns(SQLWarning warning) {
        this.warning = warning;
        return this;
    }

    /**
     * @param failure what the execution throws
     * @return this
     */
    public ExpectedStatement fails(SQLException failure) {
        this.failure = Objects.requireNonNull(failure, "failure");
        return this;
    }

    /**
     * The execution blocks, as a database wait does, until {@code Statement.cancel()} is called on it, then gives
     * the scripted answer (usually a {@link #fails failure} such as the driver's "query cancelled"). If no cancel
     * comes within 30 seconds the test fails. As with real drivers, a cancel that comes before the execution has
     * started is lost: only one during the execution ends it.
     *
     * @return this
     */
    public ExpectedStatement blocksUntilCancelled() {
        blocksUntilCancelled = true;
        return this;
    }

    /**
     * The execution takes this long before it answers, as a database wait that runs to its timeout does (dlock
     * holds a database to the timeout it was given: an answer of "not granted" long before it is an error).
     *
     * @param duration how long the execution takes
     * @return this
     */
    public ExpectedStatement takes(Duration duration) {
        this.takes = Objects.requireNonNull(duration, "duration");
        return this;
    }

    /**
     * Waits until the code under test is inside this statement's execution (for a blocking statement: waiting).
     *
     * @throws InterruptedException if the test thread is interrupted
     * @throws AssertionError       if it does not happen within 30 seconds
     */
    public void awaitExecuting() throws InterruptedException {
        if (!executing.await(SANITY_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("the statement was never executed: " + sql);
        }
    }

    /** @return what {@code setQueryTimeout} was last called with, or {@code null} if it was not */
    public Integer queryTimeout() {
        return queryTimeout;
    }

    /** @return how many times {@code cancel()} was called on this statement, lost ones included */
    public int cancels() {
        return cancels.get();
    }

    @Override
    public String toString() {
        return factory + "(\"" + sql + "\")";
    }
}
