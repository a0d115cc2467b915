package dev.dlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DialectNotFoundException;
import dev.dlock.DistributedLockException;
import dev.dlock.Locks;
import dev.dlock.internal.FakeDialects.FakeConnection;
import java.sql.SQLClientInfoException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What dlock remembers per physical connection: whether its server can lock for others (asked once), and the
 * latest check that found a session dlock alone uses holding, which answers the checks due before it began.
 */
class ConnectionStateTest {
    private final FakeConnection fake = new FakeConnection("FakeDB", "1.0-Plus");
    private final ConnectionState state = ConnectionState.of(fake.connection);

    @Test
    void aCheckAnswersTheChecksDueUpToWhenItBeganOnItsOwnSessionOnly() {
        state.ownedByDlock(true);
        assertThat(state.confirmedSince(0, "s")).as("nothing confirmed yet").isFalse();
        state.confirmed(100, "s");
        assertThat(state.confirmedSince(100, "s")).as("due as it began").isTrue();
        assertThat(state.confirmedSince(40, "s")).isTrue();
        assertThat(state.confirmedSince(101, "s")).as("due after it began").isFalse();
        assertThat(state.confirmedSince(40, "t")).as("another server session").isFalse();
        assertThat(state.confirmedSince(40, null)).isFalse();
    }

    @Test
    void theLatestCheckToBeginCountsWhateverOrderTheyEndIn() {
        state.ownedByDlock(true);
        state.confirmed(100, "s");
        state.confirmed(90, "t"); // began earlier, answered later
        assertThat(state.confirmedSince(100, "s")).isTrue();
        state.confirmed(100, "t"); // began at the same time: no later
        assertThat(state.confirmedSince(100, "s")).isTrue();
        state.confirmed(110, "t");
        assertThat(state.confirmedSince(100, "s")).isFalse();
        assertThat(state.confirmedSince(100, "t")).isTrue();
        // System.nanoTime() may wrap: a later time is one whose difference is positive
        state.confirmed(Long.MAX_VALUE, "s");
        state.confirmed(Long.MIN_VALUE, "t");
        assertThat(state.confirmedSince(Long.MAX_VALUE, "t")).isTrue();
    }

    @Test
    void onlyASessionDlockAloneUsesIsConfirmedByAnotherLocksCheckAndOnlySinceItBecameOne() {
        state.confirmed(100, "s");
        assertThat(state.confirmedSince(100, "s")).as("the caller may have sent statements of its own").isFalse();
        state.ownedByDlock(true);
        assertThat(state.confirmedSince(100, "s")).as("a check from before it was dlock's alone").isFalse();
        state.confirmed(100, "s");
        assertThat(state.confirmedSince(100, "s")).isTrue();
        state.ownedByDlock(false);
        assertThat(state.confirmedSince(100, "s")).isFalse();
    }

    @Test
    void theServerIsAskedOnceWhetherItCanLockForOthersAndAFailedQuestionIsAskedAgain() {
        fake.settingFailure = new SQLClientInfoException("connection reset", Map.of());
        assertThatThrownBy(() -> state.checkServer(fake.connection)).isInstanceOf(DistributedLockException.class)
                .hasMessageContaining("FakeDB Plus: cannot ask the server whether it can lock for other sessions")
                .hasMessageContaining("connection reset");
        fake.settingFailure = null;
        fake.settings.put("replica", "on");
        assertThatThrownBy(() -> state.checkServer(fake.connection)).isInstanceOf(DialectNotFoundException.class)
                .hasMessageContaining("a replica cannot lock for other sessions");
        fake.settings.remove("replica");
        assertThatThrownBy(() -> state.checkServer(fake.connection)).as("the answer is kept, not asked again")
                .isInstanceOf(DialectNotFoundException.class);
        assertThatThrownBy(() -> Locks.forConnection(fake.connection, "k").tryAcquire())
                .isInstanceOf(DialectNotFoundException.class);
    }

    @Test
    void aServerThatCanLockForOthersIsAskedOnce() {
        state.checkServer(fake.connection);
        fake.settings.put("replica", "on"); // not asked again
        state.checkServer(fake.connection);
        assertThat(Locks.forConnection(fake.connection, "k").tryAcquire()).isTrue();
    }
}
