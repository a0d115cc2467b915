package dev.dlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dlock.DialectNotFoundException;
import dev.dlock.DistributedLock;
import dev.dlock.LockAlreadyHeldException;
import dev.dlock.LockKey;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockScope;
import dev.dlock.Locks;
import dev.dlock.UnsupportedLockOptionException;
import dev.dlock.internal.FakeDialects.FakeConnection;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReadWriteLock;
import org.junit.jupiter.api.Test;

/** What the API does around a dialect, shown with the in-memory {@link FakeDialects}. */
class LockFactoryTest {

    @Test
    void providersAreDiscoveredOncePerClassLoader() {
        assertThat(Providers.discovered()).isSameAs(Providers.discovered());
        assertThat(Providers.discovered().providers()).extracting(p -> p.dialect())
                .containsExactly("FakeDB Plus", "FakeDB");
    }

    @Test
    void higherPriorityProviderWinsWhenBothHandleTheProduct() {
        assertThat(Locks.forConnection(new FakeConnection("FakeDB", "1.0-Plus").connection, "k").dialect())
                .isEqualTo("FakeDB Plus");
        assertThat(Locks.forConnection(new FakeConnection("FakeDB", "1.0").connection, "k").dialect())
                .isEqualTo("FakeDB");
    }

    @Test
    void dialectIsLookedUpOncePerPhysicalConnection() {
        FakeConnection fake = new FakeConnection("FakeDB", "1.0");
        Locks.forConnection(fake.connection, "a");
        Locks.forConnection(fake.connection, "b");
        Locks.forConnection(fake.pooledView(), "c");
        assertThat(fake.metadataReads).hasValue(1);
    }

    @Test
    void unknownProductNamesWhatWasSeenAndWhatToAdd() {
        assertThatThrownBy(() -> Locks.forConnection(new FakeConnection("H2", "2.2.224").connection, "k"))
                .isInstanceOf(DialectNotFoundException.class)
                .hasMessageContaining("'H2'").hasMessageContaining("2.2.224")
                .hasMessageContaining("FakeDB").hasMessageContaining("no dialect");
        assertThatThrownBy(() -> Locks.forConnection(new FakeConnection("PostgreSQL", "17.1").connection, "k"))
                .isInstanceOf(DialectNotFoundException.class).hasMessageContaining("dev.dlock:dlock-postgresql");
        assertThatThrownBy(() -> Locks.forConnection(new FakeConnection("MariaDB", "10.11").connection, "k"))
                .hasMessageContaining("dev.dlock:dlock-mysql");
        assertThatThrownBy(() -> Locks.forConnection(new FakeConnection("Microsoft SQL Server", "16").connection, "k"))
                .hasMessageContaining("dev.dlock:dlock-mssql");
        assertThatThrownBy(() -> Locks.forConnection(new FakeConnection("Oracle", "23").connection, "k"))
                .hasMessageContaining("dev.dlock:dlock-oracle");
    }

    @Test
    void providerThatDeclinesItsOwnFamilySaysWhyInsteadOfAdvisingAnArtifact() {
        assertThatThrownBy(() -> Locks.forConnection(new FakeConnection("FakeDB-Legacy", "1.0").connection, "k"))
                .isInstanceOf(DialectNotFoundException.class)
                .hasMessageContaining("FakeDB before 2.0 is not supported")
                .hasMessageNotContaining("no dialect for it");
    }

    @Test
    void unsupportedOptionNamesTheDialectAndWhatItSupports() {
        FakeConnection fake = new FakeConnection("FakeDB", "1.0-Plus");
        LockOptions transaction = LockOptions.builder().scope(LockScope.TRANSACTION).build();
        assertThatThrownBy(() -> Locks.forConnection(fake.connection, "k", transaction))
                .isInstanceOf(UnsupportedLockOptionException.class)
                .hasMessageContaining("FakeDB Plus").hasMessageContaining("TRANSACTION")
                .hasMessageContaining("[SESSION]");
        assertThat(fake.statements).hasValue(0);
    }

    @Test
    void keyRefusedByTheDialectIsIllegalArgument() {
        FakeConnection fake = new FakeConnection("FakeDB", "1.0");
        assertThatThrownBy(() -> Locks.forConnection(fake.connection, "x".repeat(30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("20 characters");
    }

    @Test
    void oneLockObjectPerKeyAcrossPoolViewsOfOneConnection() {
        FakeConnection fake = new FakeConnection("FakeDB", "1.0");
        DistributedLock first = Locks.forConnection(fake.pooledView(), "shared-key");
        DistributedLock second = Locks.forConnection(fake.pooledView(), "shared-key");
        first.acquire();
        assertThatThrownBy(second::acquire).isInstanceOf(LockAlreadyHeldException.class);
        first.release();
        second.acquire();
        second.release();
        // another physical connection is another session
        DistributedLock elsewhere = Locks.forConnection(new FakeConnection("FakeDB", "1.0").connection, "shared-key");
        assertThat(elsewhere.tryAcquire()).isTrue();
        elsewhere.release();
    }

    @Test
    void modesAreCheckedPerDialect() {
        LockOptions shared = LockOptions.builder().mode(LockMode.SHARED).build();
        assertThat(Locks.forConnection(new FakeConnection("FakeDB", "Plus").connection, "k", shared).options())
                .isEqualTo(shared);
        assertThatThrownBy(() -> Locks.forConnection(new FakeConnection("FakeDB", "1").connection, "k", shared))
                .isInstanceOf(UnsupportedLockOptionException.class).hasMessageContaining("[EXCLUSIVE]");
    }

    @Test
    void aReadWriteLockIsASharedAndAnExclusiveLockOnOneKey() {
        ReadWriteLock pair = Locks.readWriteLock(new FakeConnection("FakeDB", "1.0-Plus").connection, "k");
        assertThat(pair.readLock().toString()).contains("SHARED/SESSION");
        assertThat(pair.writeLock().toString()).contains("EXCLUSIVE/SESSION");
        assertThat(pair.readLock()).isSameAs(pair.readLock());
        assertThat(pair.writeLock()).isSameAs(pair.writeLock());
        assertThatThrownBy(() -> Locks.readWriteLock(new FakeConnection("FakeDB", "1.0").connection, "k"))
                .as("a dialect without a shared mode").isInstanceOf(UnsupportedLockOptionException.class);
    }

    @Test
    void anyKindOfKeyMakesALockOnAConnection() {
        DistributedLock lock = Locks.forConnection(new FakeConnection("FakeDB", "1.0").connection, LockKey.of(7L));
        assertThat(lock.key()).isEqualTo(LockKey.of(7L));
        assertThat(lock.databaseKey()).isEqualTo("7");
    }

    @Test
    void aClosedConnectionIsRefusedBeforeItsDialectIsLookedUp() {
        FakeConnection fake = new FakeConnection("FakeDB", "1.0");
        fake.closed = true;
        assertThatThrownBy(() -> Locks.forConnection(fake.connection, "k")).isInstanceOf(IllegalStateException.class)
                .hasMessage("the connection is closed");
        assertThat(fake.metadataReads).hasValue(0);
    }

    @Test
    void aConnectionThatCannotTellWhetherItIsClosedIsTakenForClosed() {
        FakeConnection fake = new FakeConnection("FakeDB", "1.0");
        Connection failing = overriding(fake, "isClosed");
        assertThatThrownBy(() -> Locks.forConnection(failing, "k")).isInstanceOf(IllegalStateException.class)
                .hasMessage("the connection is closed");
    }

    @Test
    void aConnectionThatIsNoWrapperIsItsOwnPhysicalConnection() {
        FakeConnection one = new FakeConnection("FakeDB", "1.0");
        FakeConnection two = new FakeConnection("FakeDB", "1.0");
        Connection first = overriding(one, "unwrap");
        Locks.forConnection(first, "k");
        Locks.forConnection(first, "j");
        Locks.forConnection(overriding(two, "unwrap"), "k");
        assertThat(one.metadataReads).as("its dialect is remembered").hasValue(1);
        assertThat(two.metadataReads).as("another connection, looked up on its own").hasValue(1);
    }

    /** @return a view of {@code fake} whose {@code method} throws, as some drivers and pools do */
    private static Connection overriding(FakeConnection fake, String method) {
        return (Connection) Proxy.newProxyInstance(LockFactoryTest.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (self, called, args) -> {
                    if (called.getName().equals(method)) {
                        throw new SQLException(method + " is not supported");
                    }
                    return switch (called.getName()) {
                        case "hashCode" -> System.identityHashCode(self);
                        case "equals" -> self == args[0];
                        default -> called.invoke(fake.connection, args);
                    };
                });
    }
}
