package dev.dlock.oracle;

import dev.dlock.tck.TestDatabase;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** The contract on the Oracle that {@code DLOCK_TEST_ORACLE_URL} names; needs no Docker. */
@EnabledIfEnvironmentVariable(named = OracleDatabase.URL_VARIABLE, matches = ".+",
        disabledReason = OracleDatabase.URL_VARIABLE + " is not set (OracleContainerContractTest uses Docker)")
class OracleUrlContractTest extends OracleContract {
    @Override
    protected TestDatabase database() {
        return OracleDatabase.fromEnvironment();
    }
}
