package dev.dlock;

import java.util.Objects;

/**
 * The mode and scope of a lock. Immutable; build one with {@link #builder()}. Each option is checked against
 * what the connection's dialect supports by {@link Locks#forConnection}, before any SQL is sent.
 */
public final class LockOptions {
    /** {@link LockMode#EXCLUSIVE} in {@link LockScope#SESSION} scope: what every dialect supports. */
    public static final LockOptions DEFAULT = new LockOptions(LockMode.EXCLUSIVE, LockScope.SESSION);

    private final LockMode mode;
    private final LockScope scope;

    private LockOptions(LockMode mode, LockScope scope) {
        this.mode = mode;
        this.scope = scope;
    }

    /** @return a builder starting from {@link #DEFAULT} */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the lock mode */
    public LockMode mode() {
        return mode;
    }

    /** @return the lock scope */
    public LockScope scope() {
        return scope;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LockOptions other && mode == other.mode && scope == other.scope;
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, scope);
    }

    @Override
    public String toString() {
        return mode + "/" + scope;
    }

    /** Builds {@link LockOptions}; not thread-safe. */
    public static final class Builder {
        private LockMode mode = LockMode.EXCLUSIVE;
        private LockScope scope = LockScope.SESSION;

        private Builder() {
        }

        /**
         * @param mode the lock mode
         * @return this builder
         * @throws NullPointerException if {@code mode} is null
         */
        public Builder mode(LockMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * @param scope the lock scope
         * @return this builder
         * @throws NullPointerException if {@code scope} is null
         */
        public Builder scope(LockScope scope) {
            this.scope = Objects.requireNonNull(scope, "scope");
            return this;
        }

        /** @return the options built */
        public LockOptions build() {
            return new LockOptions(mode, scope);
        }
    }
}
