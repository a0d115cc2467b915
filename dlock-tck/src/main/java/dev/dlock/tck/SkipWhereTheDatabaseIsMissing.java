package dev.dlock.tck;

import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Disables a dialect's test class, with {@link DialectUnderTest#unavailable()}'s reason, where its database cannot
 * be reached (no Docker engine, no server URL): the class is reported skipped with that reason, as JUnit's own
 * conditions are. It asks a fresh instance of the class for its dialect; nested classes follow their outer class.
 */
final class SkipWhereTheDatabaseIsMissing implements ExecutionCondition {
    private static final ConditionEvaluationResult ENABLED = ConditionEvaluationResult.enabled("the database is here");

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<Class<?>> type = context.getTestClass();
        if (type.isEmpty() || context.getTestMethod().isPresent() || isInner(type.get())) {
            return ENABLED;
        }
        return dialectOf(type.get()).unavailable().map(ConditionEvaluationResult::disabled).orElse(ENABLED);
    }

    private static boolean isInner(Class<?> type) {
        return type.getEnclosingClass() != null && !Modifier.isStatic(type.getModifiers());
    }

    private static DialectUnderTest dialectOf(Class<?> type) {
        try {
            Constructor<?> constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            Object instance = constructor.newInstance();
            return instance instanceof DialectContract contract ? contract.dialect() : ((DialectFixture) instance).dialect();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make a " + type.getName() + " to ask for its dialect", e);
        }
    }
}
