package dev.dlock.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.dlock.Locks;
import org.junit.jupiter.api.Test;

/** The provider on the embedded MariaDB: named locks, the name itself, at most 64 characters. */
class MariaDbLockProviderTest extends LockProviderContract {
    @Override
    Database database() {
        return Database.MARIADB;
    }

    @Test
    void aNameTheServerCannotTakeIsAnIllegalArgumentNotARefusal() throws Exception {
        HikariDataSource pool = pool(1);
        DlockLockProvider provider = new DlockLockProvider(pool);
        String longest = "n".repeat(64);
        provider.lock(config(longest)).orElseThrow().unlock();
        assertThatThrownBy(() -> provider.lock(config(longest + "n"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("64");
        DlockLockProvider prefixed = new DlockLockProvider(Locks.forDataSource(pool), "jobs:");
        assertThatThrownBy(() -> prefixed.lock(config("n".repeat(60)))).isInstanceOf(IllegalArgumentException.class);
        assertThat(heldOnServer(longest)).isFalse();
        assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
    }
}
