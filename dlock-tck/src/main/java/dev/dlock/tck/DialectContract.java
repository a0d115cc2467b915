package dev.dlock.tck;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every JUnit contract of the test kit, for one dialect. A dialect's test module extends it once, naming its
 * {@link DialectUnderTest}; each contract runs as a nested class, and where the dialect says its database is
 * missing ({@link DialectUnderTest#unavailable()}: no Docker engine, no server URL) the class is skipped with that
 * reason. {@link MutualExclusionProperty} runs under jqwik and
 * {@link PartitionContract} needs a server on an address of its own, so a dialect extends those separately.
 */
@ExtendWith(SkipWhereTheDatabaseIsMissing.class)
public abstract class DialectContract {

    /** @return the dialect under test */
    protected abstract DialectUnderTest dialect();

    @Nested
    class Locking extends LockingContract {
        @Override
        protected DialectUnderTest dialect() {
            return DialectContract.this.dialect();
        }
    }

    @Nested
    class Waiting extends WaitingContract {
        @Override
        protected DialectUnderTest dialect() {
            return DialectContract.this.dialect();
        }
    }

    @Nested
    class ModesAndScopes extends ModesAndScopesContract {
        @Override
        protected DialectUnderTest dialect() {
            return DialectContract.this.dialect();
        }
    }

    @Nested
    class Adapters extends AdaptersContract {
        @Override
        protected DialectUnderTest dialect() {
            return DialectContract.this.dialect();
        }
    }

    @Nested
    class Pooled extends PooledContract {
        @Override
        protected DialectUnderTest dialect() {
            return DialectContract.this.dialect();
        }
    }

    @Nested
    class SharedSessions extends SharedSessionsContract {
        @Override
        protected DialectUnderTest dialect() {
            return DialectContract.this.dialect();
        }
    }

    @Nested
    class HostileInput extends HostileInputContract {
        @Override
        protected DialectUnderTest dialect() {
            return DialectContract.this.dialect();
        }
    }

    @Nested
    class MultiKey extends MultiKeyContract {
        @Override
        protected DialectUnderTest dialect() {
            return DialectContract.this.dialect();
        }
    }

    @Nested
    class Faults extends FaultContract {
        @Override
        protected DialectUnderTest dialect() {
            return DialectContract.this.dialect();
        }
    }

    @Nested
    class Loss extends LossContract {
        @Override
        protected DialectUnderTest dialect() {
            return DialectContract.this.dialect();
        }
    }
}
