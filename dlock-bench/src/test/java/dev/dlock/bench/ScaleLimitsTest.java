package dev.dlock.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dlock.DistributedLockException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link ScaleLimits} on servers small enough to reach their limits in seconds: a PostgreSQL of its own with the
 * smallest lock table it allows, which must be found full with SQLSTATE 53200 and dlock's exception carrying it;
 * and a short MariaDB climb. It asserts no times.
 */
class ScaleLimitsTest {
    /** PostgreSQL's smallest {@code max_locks_per_transaction}. */
    private static final String FEW_LOCKS = "10";
    private static final Duration TIME_LIMIT = Duration.ofMinutes(2);

    @Test
    void aFullPostgresLockTableIsReportedWithItsSqlStateAndDlocksException() throws Exception {
        try (EmbeddedPostgres server = smallPostgres()) {
            String url = server.getJdbcUrl("postgres", "postgres");
            ScaleLimits.PostgresLimit limit = ScaleLimits.postgres(() -> DriverManager.getConnection(url), TIME_LIMIT);

            assertEquals(FEW_LOCKS, limit.settings().get("max_locks_per_transaction"));
            SQLException refusal = limit.alone().refusal();
            assertNotNull(refusal, "the climb ended without a refusal at " + limit.alone().taken() + " locks");
            assertEquals(ScaleLimits.OUT_OF_SHARED_MEMORY, refusal.getSQLState(), limit.alone().refusalText());
            assertTrue(limit.alone().refusalText().contains("max_locks_per_transaction"), limit.alone().refusalText());
            // the table is sized for all the server's processes, not one: more than one session's share
            assertTrue(limit.alone().taken() >= limit.documentedSize(), limit::text);

            for (ScaleLimits.Outcome dlock : new ScaleLimits.Outcome[] {limit.dlockTry(), limit.dlockAcquire()}) {
                assertTrue(dlock.thrown() instanceof DistributedLockException, dlock::toString);
                assertEquals(ScaleLimits.OUT_OF_SHARED_MEMORY, sqlStateInCauses(dlock.thrown()), dlock::toString);
            }

            // one table for all sessions: two together reach about what one reaches alone, not half as much again
            int together = limit.firstSession() + limit.secondSession().taken();
            assertEquals(ScaleLimits.OUT_OF_SHARED_MEMORY, limit.secondSession().refusal().getSQLState());
            assertTrue(together < limit.alone().taken() * 1.25, limit::text);
            assertTrue(limit.text().contains("SQLSTATE 53200"), limit::text);
        }
    }

    @Test
    void aMariaDbClimbTakesEveryLockUpToItsCeiling() throws Exception {
        BenchDatabase mariaDb = BenchDatabase.of(BenchDatabase.MARIADB);
        ScaleLimits.MariaDbLimit limit = ScaleLimits.mariaDb(mariaDb::connect, 200, TIME_LIMIT);

        assertEquals(200, limit.climb().taken(), limit::text);
        assertNull(limit.climb().refusal(), limit::text);
        assertEquals(10, limit.climb().stretches().size(), limit::text);
        assertNull(limit.dlockAtTop().thrown(), limit::text);
    }

    /** A PostgreSQL of this test's own, with the smallest lock table it allows, under the build's target/. */
    private static EmbeddedPostgres smallPostgres() throws Exception {
        Path work = Path.of(System.getProperty("dlock.test.work-dir", "target")).toAbsolutePath();
        return EmbeddedPostgres.builder()
                .setDataDirectory(Files.createTempDirectory(Files.createDirectories(work), "small-pg-"))
                .setCleanDataDirectory(true)
                .setServerConfig("max_locks_per_transaction", FEW_LOCKS)
                .setServerConfig("max_connections", "10")
                .setServerConfig("unix_socket_directories", "") // TCP only: no socket path to keep short
                .start();
    }

    private static String sqlStateInCauses(Throwable thrown) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                return sql.getSQLState();
            }
        }
        return null;
    }
}
