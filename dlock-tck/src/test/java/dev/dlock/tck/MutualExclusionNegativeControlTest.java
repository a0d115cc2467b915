package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dlock.LockMode;
import dev.dlock.LockScope;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The negative control of {@link MutualExclusionProperty}: the same schedules and checks, run through
 * {@link GrantsEverythingProvider} on the embedded PostgreSQL, must report an overlap. If the property stopped
 * seeing overlaps (a ledger that checks nothing, holds too short to overlap), this test fails.
 */
class MutualExclusionNegativeControlTest {
    private static final int MAX_SCHEDULES = 20;

    @Test
    void thePropertyReportsTheOverlapsOfADialectThatGrantsEverything() throws Exception {
        MutualExclusionProperty property = new MutualExclusionProperty() {
            @Override
            protected DialectUnderTest dialect() {
                return new GrantsEverything();
            }
        };
        property.openWorkers();
        AssertionError reported = null;
        int run = 0;
        try {
            Iterator<MutualExclusionProperty.Schedule> schedules = property.schedules().sampleStream()
                    .filter(MutualExclusionNegativeControlTest::twoWorkersShareAKey).iterator();
            while (reported == null && run < MAX_SCHEDULES) {
                run++;
                try {
                    property.runSchedule(schedules.next());
                } catch (AssertionError e) {
                    reported = e;
                }
            }
        } finally {
            property.closeWorkers();
        }
        assertThat(reported).as("a violation reported within " + MAX_SCHEDULES + " schedules").isNotNull();
        assertThat(reported).hasMessageMatching("(?s).*ledger violations.*holds? it.*");
    }

    private static boolean twoWorkersShareAKey(MutualExclusionProperty.Schedule schedule) {
        Set<Integer> seen = new HashSet<>();
        for (List<MutualExclusionProperty.Step> steps : schedule.workers()) {
            Set<Integer> mine = new HashSet<>();
            steps.forEach(step -> mine.add(step.key()));
            for (int key : mine) {
                if (!seen.add(key)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The embedded PostgreSQL, disguised so that {@link GrantsEverythingProvider} takes its connections. */
    private static final class GrantsEverything implements DialectUnderTest {
        @Override
        public String name() {
            return "grants everything (negative control)";
        }

        @Override
        public TestDatabase database() {
            return new TestDatabase() {
                @Override
                public Connection connect() throws SQLException {
                    return GrantsEverythingProvider.disguise(PostgresDatabase.instance().connect());
                }

                @Override
                public String description() {
                    return "the embedded PostgreSQL, disguised for " + GrantsEverythingProvider.class.getSimpleName();
                }
            };
        }

        @Override
        public Set<LockMode> supportedModes() {
            return EnumSet.of(LockMode.EXCLUSIVE, LockMode.SHARED);
        }

        @Override
        public Set<LockScope> supportedScopes() {
            return EnumSet.of(LockScope.SESSION);
        }

        /* Nothing is ever held on the server: the property's after-schedule questions answer so. */

        @Override
        public boolean isLockedOnServer(Connection observer, Object databaseKey) {
            return false;
        }

        @Override
        public int waitersOnServer(Connection observer, Object databaseKey) {
            return 0;
        }

        /* The property asks nothing else. */

        @Override
        public long sessionId(Connection session) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isHeldBy(Connection observer, Object databaseKey, long sessionId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public OptionalInt locksHeldBy(Connection observer, long sessionId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void killSession(Connection observer, long sessionId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<String> releaseAllLocksQuery() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Object> expectedDatabaseKey(String key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Object> expectedDatabaseKey(long key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> keysAtTheLengthLimit() {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> keysPastTheLengthLimit() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<String> breakTransaction(Connection connection) throws SQLException {
            throw new UnsupportedOperationException();
        }

        @Override
        public RestartableServer startRestartableServer(Path directory) {
            throw new UnsupportedOperationException();
        }
    }
}
