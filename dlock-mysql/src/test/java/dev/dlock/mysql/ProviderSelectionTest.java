package dev.dlock.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.LockKey;
import dev.dlock.LockOptions;
import dev.dlock.Locks;
import dev.dlock.spi.LockProvider;
import dev.dlock.tck.MariaDbDatabase;
import dev.dlock.tck.TestDatabase;
import java.sql.Connection;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Which provider takes which connection, from the product name and version the driver reports. */
class ProviderSelectionTest {
    private final LockProvider mysql = new MySqlLockProvider();
    private final LockProvider mariadb = new MariaDbLockProvider();

    @Test
    void mySqlProductIsMySql() {
        assertThat(mysql.handles("MySQL", "8.4.3")).isTrue();
        assertThat(mysql.handles("MySQL", "8.0.36-commercial")).isTrue();
        assertThat(mysql.handles("MySQL", "5.7.5-log")).isTrue();
        assertThat(mariadb.handles("MySQL", "8.4.3")).isFalse();
    }

    @Test
    void mariaDbProductIsMariaDb() {
        assertThat(mariadb.handles("MariaDB", "10.11.5-MariaDB")).isTrue();
        assertThat(mariadb.handles("MariaDB", "11.4.5-MariaDB-ubu2404")).isTrue();
        assertThat(mysql.handles("MariaDB", "10.11.5-MariaDB")).isFalse();
    }

    @Test
    void mariaDbThroughConnectorJIsMariaDb() {
        assertThat(mariadb.handles("MySQL", "5.5.5-10.11.5-MariaDB")).isTrue();
        assertThat(mariadb.handles("MySQL", "11.4.5-MariaDB")).isTrue();
        assertThat(mysql.handles("MySQL", "5.5.5-10.11.5-MariaDB")).isFalse();
        assertThat(mariadb.priority()).isGreaterThan(mysql.priority());
    }

    @Test
    void serversThatHoldOneNamedLockPerSessionAreNotHandled() {
        // before MySQL 5.7.5 and MariaDB 10.0.2 a second GET_LOCK silently released the first
        assertThat(mysql.handles("MySQL", "5.6.51")).isFalse();
        assertThat(mysql.handles("MySQL", "5.7.4-m14")).isFalse();
        assertThat(mariadb.handles("MariaDB", "5.5.68-MariaDB")).isFalse();
        assertThat(mariadb.handles("MySQL", "5.5.5-10.0.1-MariaDB")).isFalse();
        assertThat(mariadb.handles("MariaDB", "10.0.2-MariaDB")).isTrue();
    }

    @Test
    void unreadableVersionsAreTakenForCurrentOnes() {
        assertThat(mysql.handles("MySQL", "")).isTrue();
        assertThat(mariadb.handles("MariaDB", "unknown")).isTrue();
    }

    @Test
    void otherProductsAreNotHandled() {
        for (String product : new String[] {"PostgreSQL", "Microsoft SQL Server", "Oracle", "mysql", "H2"}) {
            assertThat(mysql.handles(product, "8.0.0")).as(product).isFalse();
            assertThat(mariadb.handles(product, "10.11.5-MariaDB")).as(product).isFalse();
        }
    }

    @Test
    void bothProvidersAreRegisteredForServiceLoader() {
        assertThat(ServiceLoader.load(LockProvider.class).stream().map(p -> p.type().getName()))
                .contains(MySqlLockProvider.class.getName(), MariaDbLockProvider.class.getName());
    }

    @Test
    void mySqlRefusesNamesWithCharactersItCannotStoreBeforeAnySql() {
        assertThatThrownBy(() -> mysql.lockFor(LockKey.of("lock \uD83D\uDD12"), LockOptions.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("utf8mb3");
        assertThat(mysql.lockFor(LockKey.of("verrou-\u00e9\u4e2d"), LockOptions.DEFAULT).databaseKey())
                .isEqualTo("verrou-\u00e9\u4e2d");
    }

    static Stream<TestDatabase> drivers() {
        return Stream.of(MariaDbDatabase.instance().throughMariaDbDriver(), MariaDbDatabase.instance().throughConnectorJ());
    }

    @ParameterizedTest
    @MethodSource("drivers")
    void realMariaDbIsMariaDbThroughEitherDriver(TestDatabase database) throws Exception {
        try (Connection connection = database.connect()) {
            assertThat(Locks.forConnection(connection, "dialect-probe").dialect()).isEqualTo("MariaDB");
        }
    }

    @Test
    void tooOldServersAreDeclinedWithTheReason() {
        assertThat(mysql.handles("MySQL", "5.6.51")).isFalse();
        assertThat(mysql.declines("MySQL", "5.6.51")).contains("5.7.5");
        assertThat(mysql.declines("MySQL", "8.4.3")).isNull();
        assertThat(mariadb.declines("MariaDB", "5.5.68-MariaDB")).contains("10.0.2");
        assertThat(mariadb.declines("MySQL", "8.4.3")).isNull();
    }

    @Test
    void mySqlNamesDifferingInCaseAreOneLockButNotOnMariaDb() {
        assertThat(mysql.lockFor(LockKey.of("Job"), LockOptions.DEFAULT).identity())
                .isEqualTo(mysql.lockFor(LockKey.of("job"), LockOptions.DEFAULT).identity());
        assertThat(mysql.lockFor(LockKey.of("Job"), LockOptions.DEFAULT).databaseKey()).isEqualTo("Job");
        assertThat(mariadb.lockFor(LockKey.of("Job"), LockOptions.DEFAULT).identity())
                .isNotEqualTo(mariadb.lockFor(LockKey.of("job"), LockOptions.DEFAULT).identity());
    }
}
