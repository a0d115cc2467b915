package dev.dlock.oracle;

import dev.dlock.tck.TestDatabase;
import java.sql.SQLException;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;
import org.testcontainers.junit.jupiter.Testcontainers;

/** The contract on an Oracle 23ai Free container; skipped where Docker is missing or a server URL is given. */
@Testcontainers(disabledWithoutDocker = true)
@DisabledIfEnvironmentVariable(named = OracleDatabase.URL_VARIABLE, matches = ".+",
        disabledReason = "runs against " + OracleDatabase.URL_VARIABLE + " instead (OracleUrlContractTest)")
class OracleContainerContractTest extends OracleContract {
    @Override
    protected TestDatabase database() {
        try {
            return OracleDatabase.container();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot grant the test user DBMS_LOCK and V$LOCK", e);
        }
    }
}
