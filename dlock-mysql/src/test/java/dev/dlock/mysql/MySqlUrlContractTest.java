package dev.dlock.mysql;

import dev.dlock.tck.TestDatabase;
import java.util.Set;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** The contract on the MySQL server named by {@code DLOCK_TEST_MYSQL_URL}, through Connector/J. */
@EnabledIfEnvironmentVariable(named = MySqlDatabase.URL_VARIABLE, matches = ".+",
        disabledReason = "DLOCK_TEST_MYSQL_URL is not set (MySqlContainerContractTest runs MySQL where Docker does)")
class MySqlUrlContractTest extends NamedLockContract {
    @Override
    protected TestDatabase database() {
        return MySqlDatabase.external();
    }

    /** MySQL also refuses names with characters beyond U+FFFF (see {@link MySqlLockProvider}). */
    @Override
    protected Set<String> hostileKeysRefused() {
        return Set.of("nul\u0000byte", "emoji \uD83D\uDD12");
    }
}
