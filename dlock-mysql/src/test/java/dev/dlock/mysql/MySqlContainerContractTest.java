package dev.dlock.mysql;

import dev.dlock.tck.TestDatabase;
import java.util.Set;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The contract on MySQL 8.4 in a Testcontainers container, through Connector/J. Skipped where Docker does not
 * run, and where {@code DLOCK_TEST_MYSQL_URL} names a server ({@link MySqlUrlContractTest} runs then).
 */
@Testcontainers(disabledWithoutDocker = true)
@DisabledIfEnvironmentVariable(named = MySqlDatabase.URL_VARIABLE, matches = ".+",
        disabledReason = "DLOCK_TEST_MYSQL_URL names a MySQL server: MySqlUrlContractTest runs there")
class MySqlContainerContractTest extends NamedLockContract {
    @Override
    protected TestDatabase database() {
        return MySqlDatabase.container();
    }

    /** MySQL also refuses names with characters beyond U+FFFF (see {@link MySqlLockProvider}). */
    @Override
    protected Set<String> hostileKeysRefused() {
        return Set.of("nul\u0000byte", "emoji \uD83D\uDD12");
    }
}
