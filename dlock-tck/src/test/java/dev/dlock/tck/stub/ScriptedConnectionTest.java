package dev.dlock.tck.stub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import org.junit.jupiter.api.Test;

/** The scripted connection is strict: whatever the script does not foresee fails the test. */
class ScriptedConnectionTest {
    private static final String SQL = "{? = call p(?, ?)}";

    private final ScriptedConnection db = ScriptedConnection.of("Test");
    private final Connection connection = db.connection();

    private ExpectedStatement expectP() {
        return db.expectCall(SQL).registerOut(1, Types.INTEGER).setString(2, "k").setInt(3, 7).returnsOut(1, 42);
    }

    @Test
    void scriptFollowedExactlyPasses() throws SQLException {
        expectP();
        try (CallableStatement statement = connection.prepareCall(SQL)) {
            statement.registerOutParameter(1, Types.INTEGER);
            statement.setInt(3, 7);
            statement.setString(2, "k");
            statement.execute();
            assertThat(statement.getInt(1)).isEqualTo(42);
            assertThat(statement.wasNull()).isFalse();
        }
        db.verify();
    }

    @Test
    void otherSqlTextFails() {
        expectP();
        assertThatThrownBy(() -> connection.prepareCall(SQL + " ")).isInstanceOf(AssertionError.class);
        assertThatThrownBy(db::verify).isInstanceOf(AssertionError.class).hasMessageContaining("unexpected statement");
    }

    @Test
    void prepareStatementWhereACallIsScriptedFails() {
        expectP();
        assertThatThrownBy(() -> connection.prepareStatement(SQL)).isInstanceOf(AssertionError.class);
    }

    @Test
    void otherSetterOrValueFails() throws SQLException {
        expectP();
        CallableStatement statement = connection.prepareCall(SQL);
        assertThatThrownBy(() -> statement.setLong(3, 7)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("setLong(7)").hasMessageContaining("setInt(7)");
        assertThatThrownBy(() -> statement.setString(2, "K")).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> statement.setString(4, "k")).isInstanceOf(AssertionError.class);
    }

    @Test
    void executingWithAParameterMissingFails() throws SQLException {
        expectP();
        CallableStatement statement = connection.prepareCall(SQL);
        statement.registerOutParameter(1, Types.INTEGER);
        statement.setString(2, "k");
        assertThatThrownBy(statement::execute).isInstanceOf(AssertionError.class);
    }

    @Test
    void theQueryTimeoutSetIsRecordedForTheTest() throws SQLException {
        ExpectedStatement expected = expectP();
        CallableStatement statement = connection.prepareCall(SQL);
        assertThat(expected.queryTimeout()).isNull();
        statement.setQueryTimeout(0);
        assertThat(expected.queryTimeout()).isZero();
    }

    @Test
    void unscriptedCallsFail() throws SQLException {
        expectP();
        CallableStatement statement = connection.prepareCall(SQL);
        assertThatThrownBy(() -> statement.setMaxRows(1)).isInstanceOf(AssertionError.class);
        assertThatThrownBy(connection::createStatement).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> connection.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void violationSwallowedByTheCodeUnderTestStillFailsVerify() {
        try {
            connection.prepareStatement("SELECT 1");
        } catch (Throwable swallowed) {
            // code under test that catches everything
        }
        assertThatThrownBy(db::verify).isInstanceOf(AssertionError.class).hasMessageContaining("SELECT 1");
    }

    @Test
    void statementsNeverMadeNeverExecutedOrNeverClosedFailVerify() throws SQLException {
        expectP();
        db.expectPrepare("SELECT 2").executeQuery().returnsRows(new Object[] {2});
        connection.prepareCall(SQL);
        assertThatThrownBy(db::verify).isInstanceOf(AssertionError.class)
                .hasMessageContaining("never made: prepareStatement(\"SELECT 2\")")
                .hasMessageContaining("never executed").hasMessageContaining("never closed");
    }

    @Test
    void queriesAnswerTheScriptedRows() throws SQLException {
        db.expectPrepare("SELECT ?").setLong(1, 5L).executeQuery().returnsRows(new Object[] {5L}, new Object[] {null});
        try (PreparedStatement statement = connection.prepareStatement("SELECT ?")) {
            statement.setLong(1, 5L);
            try (ResultSet rs = statement.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(5L);
                assertThat(rs.next()).isTrue();
                assertThat(rs.getObject(1)).isNull();
                assertThat(rs.wasNull()).isTrue();
                assertThat(rs.next()).isFalse();
            }
        }
        db.verify();
    }

    @Test
    void blockingStatementWaitsForItsCancelThenAnswers() throws Exception {
        SQLException cancelled = new SQLException("cancelled", "HY008");
        ExpectedStatement blocking = db.expectPrepare("WAIT").blocksUntilCancelled().fails(cancelled);
        PreparedStatement statement = connection.prepareStatement("WAIT");
        CallInThread<SQLException> call = CallInThread.start(() -> {
            try {
                statement.execute();
                return null;
            } catch (SQLException e) {
                return e;
            }
        });
        blocking.awaitExecuting();
        statement.cancel();
        Object thrown = call.result(); // an SQLException is also an Iterable: keep assertThat unambiguous
        assertThat(thrown).isSameAs(cancelled);
        assertThat(blocking.cancels()).isEqualTo(1);
        statement.close();
        db.verify();
    }

    @Test
    void connectionIsItsOwnPhysicalConnectionAndReportsTheProduct() throws SQLException {
        assertThat(connection.unwrap(Connection.class)).isSameAs(connection);
        assertThat(connection.getMetaData().getDatabaseProductName()).isEqualTo("Test");
        assertThat(connection.getAutoCommit()).isTrue();
        connection.setAutoCommit(false);
        assertThat(connection.getAutoCommit()).isFalse();
        connection.close();
        assertThat(connection.isClosed()).isTrue();
        db.verify();
    }
}
