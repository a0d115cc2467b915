package dev.dlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input and help: what dlock says and the status it exits with, before (or instead of) reaching a database. */
class CommandLineIT {
    @TempDir
    Path directory;

    private DlockProcess dlock(String... args) {
        return dlock(Map.of(), args);
    }

    private DlockProcess dlock(Map<String, String> environment, String... args) {
        DlockProcess dlock = DlockProcess.start(directory, environment, args);
        dlock.exitStatus();
        return dlock;
    }

    private void assertUsageError(DlockProcess dlock, String... said) {
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo(2);
        assertThat(dlock.stderr()).startsWith("dlock: ").contains(said).contains("--help");
        assertThat(dlock.stdout()).isEmpty();
    }

    @Test
    void helpReadsLikeAManPage() {
        DlockProcess dlock = dlock("run", "--help");
        assertThat(dlock.exitStatus()).isZero();
        assertThat(dlock.stdout()).contains("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS",
                "ENVIRONMENT", "EXAMPLES", "--no-wait", "--timeout", "--shared", "--conflict-exit-code",
                "DLOCK_PASSWORD", "*/5 * * * * java -jar");
        assertThat(dlock.stdout().lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
    }

    @Test
    void topLevelHelpNamesTheRunCommand() {
        DlockProcess dlock = dlock("--help");
        assertThat(dlock.exitStatus()).isZero();
        assertThat(dlock.stdout()).contains("run", "dlock run --help");
    }

    @Test
    void noCommandIsAUsageError() {
        assertUsageError(dlock(), "missing command");
    }

    @Test
    void noUrlIsAUsageError() {
        assertUsageError(dlock("run", "--key", "k", "--", "true"), "no database", "DLOCK_URL");
    }

    @Test
    void aUrlThatIsNotJdbcIsAUsageError() {
        assertUsageError(dlock("run", "--url", "postgres://db/app", "--key", "k", "--", "true"),
                "not a JDBC URL", "postgres://db/app");
    }

    @Test
    void aDatabaseWithoutDriverIsAUsageError() {
        assertUsageError(dlock("run", "--url", "jdbc:h2:mem:x", "--key", "k", "--", "true"),
                "no driver in dlock accepts this URL", "jdbc:h2:mem:x", "jdbc:postgresql:");
    }

    @Test
    void anEmptyKeyIsAUsageError() {
        assertUsageError(dlock("run", "--url", "jdbc:postgresql://localhost/x", "--key", "", "--", "true"),
                "the key is empty");
    }

    @Test
    void noKeyIsAUsageError() {
        assertUsageError(dlock("run", "--url", "jdbc:postgresql://localhost/x", "--", "true"), "--key");
    }

    @Test
    void aNegativeTimeoutIsAUsageError() {
        assertUsageError(dlock("run", "--url", "jdbc:postgresql://localhost/x", "--key", "k", "--timeout", "-1s",
                "--", "true"), "--timeout", "cannot be negative: -1s");
    }

    @Test
    void aTimeoutThatIsNoDurationIsAUsageError() {
        assertUsageError(dlock("run", "--url", "jdbc:postgresql://localhost/x", "--key", "k", "--timeout", "soon",
                "--", "true"), "--timeout", "not a duration: 'soon'");
    }

    @Test
    void timeoutAndNoWaitExcludeEachOther() {
        assertUsageError(dlock("run", "--url", "jdbc:postgresql://localhost/x", "--key", "k", "--timeout", "1s",
                "--no-wait", "--", "true"), "mutually exclusive");
    }

    @Test
    void noCommandToRunIsAUsageError() {
        assertUsageError(dlock("run", "--url", "jdbc:postgresql://localhost/x", "--key", "k"), "no command to run");
    }

    @Test
    void aConflictStatusOutOfRangeIsAUsageError() {
        assertUsageError(dlock("run", "--url", "jdbc:postgresql://localhost/x", "--key", "k", "-E", "256", "--",
                "true"), "--conflict-exit-code must be 0 to 255: 256");
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        assertUsageError(dlock("run", "--url", "jdbc:postgresql://localhost/x", "--key", "k", "--frobnicate", "--",
                "true"), "--frobnicate");
    }

    @Test
    void aMissingPasswordFileIsAUsageError() {
        Path missing = directory.resolve("no-such-password");
        assertUsageError(dlock("run", "--url", "jdbc:postgresql://localhost/x", "--key", "k", "--password-file",
                missing.toString(), "--", "true"), "--password-file: no such file", missing.toString());
    }

    @Test
    void anUnreachableServerExitsUnavailableWithoutShowingAPassword() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/app?user=cron&password=url-secret-1";
        DlockProcess dlock = dlock(Map.of("DLOCK_PASSWORD", "env-secret-2"), "run", "--url", url, "--key", "k",
                "--", "true");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo(69);
        assertThat(dlock.stderr()).startsWith("dlock: cannot connect to jdbc:postgresql://127.0.0.1:" + closedPort)
                .contains("password=****")
                .doesNotContain("url-secret-1").doesNotContain("env-secret-2");
    }

    @Test
    void aPasswordFromAFileIsNeverShown() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Path passwordFile = Files.writeString(directory.resolve("password"), "file-secret-3\n");
        DlockProcess dlock = dlock("run", "--url", "jdbc:mariadb://cron:url-secret-4@127.0.0.1:" + closedPort + "/app",
                "--password-file", passwordFile.toString(), "--key", "k", "--", "true");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo(69);
        assertThat(dlock.stderr()).startsWith("dlock: cannot connect to ")
                .doesNotContain("url-secret-4").doesNotContain("file-secret-3");
    }

    @Test
    void aUsageErrorDoesNotShowAPasswordEither() {
        DlockProcess dlock = dlock("run", "--url", "postgres://cron:url-secret-5@db/app?password=url-secret-6",
                "--key", "k", "--", "true");
        assertThat(dlock.exitStatus()).isEqualTo(2);
        assertThat(dlock.stderr()).contains("not a JDBC URL").doesNotContain("url-secret-5")
                .doesNotContain("url-secret-6");
    }
}
