package dev.dlock.cli;

import static dev.dlock.cli.Eventually.await;
import static dev.dlock.cli.Eventually.awaitLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.dlock.DistributedLock;
import dev.dlock.Locks;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code dlock run} against a real server, told apart from the outside: the server's own view of the lock
 * (held, waited for), the files the commands write, the statuses dlock exits with. Each database extends it with
 * its URL and its view.
 */
abstract class RunContract {
    @TempDir
    Path directory;

    private final List<DlockProcess> started = new ArrayList<>();
    private Connection observer;
    String key;

    /** @return a JDBC URL of the server under test that needs nothing else (user in it) */
    abstract String url();

    /** @return whether any session holds {@code key}, as the server says */
    abstract boolean held(Connection observer, String key) throws SQLException;

    /** @return how many sessions wait for {@code key}, as the server says */
    abstract int waiters(Connection observer, String key) throws SQLException;

    /** Ends the session that holds {@code key}, as an administrator would. */
    abstract void killHolder(Connection observer, String key) throws SQLException;

    @BeforeEach
    void observe() throws SQLException {
        observer = DriverManager.getConnection(url());
        key = "cli-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void stopEverything() throws SQLException {
        started.forEach(DlockProcess::close);
        observer.close();
    }

    Connection observer() {
        return observer;
    }

    /** Starts {@code dlock run --url <url> --key <key> <args>}. */
    DlockProcess run(String... args) {
        return runWith(Map.of(), args);
    }

    DlockProcess runWith(Map<String, String> environment, String... args) {
        List<String> all = new ArrayList<>(List.of("run", "--url", url(), "--key", key));
        all.addAll(List.of(args));
        DlockProcess dlock = DlockProcess.start(directory, environment, all.toArray(String[]::new));
        started.add(dlock);
        return dlock;
    }

    Path file(String name) {
        return directory.resolve(name);
    }

    void awaitFree() {
        await("the server shows " + key + " free", () -> !held(observer, key));
    }

    @Test
    void passesTheCommandsStatusThrough() {
        DlockProcess dlock = run("--", "sh", "-c", "exit 7");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo(7);
        assertThat(dlock.stderr()).isEmpty();
        awaitFree();
    }

    @Test
    void commandSeesItsArgumentsAndOutputWithoutAShell() {
        DlockProcess dlock = run("printf", "%s|", "a b", "$HOME", "--no-wait");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isZero();
        assertThat(dlock.stdout()).isEqualTo("a b|$HOME|--no-wait|");
    }

    @Test
    void holdsTheLockWhileTheCommandRunsAndReleasesItAfter() throws SQLException {
        assertThat(held(observer, key)).isFalse();
        DlockProcess dlock = run("--", "sh", "-c", "echo started >> log; read go; echo ended >> log");
        awaitLine(file("log"), "started");
        assertThat(held(observer, key)).as("held while the command runs").isTrue();
        dlock.tell("go");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isZero();
        awaitFree();
    }

    @Test
    void aSecondRunWaitsOnTheServerUntilTheFirstEnds() throws IOException {
        DlockProcess first = run("--", "sh", "-c", "echo first-start >> log; read go; echo first-end >> log");
        awaitLine(file("log"), "first-start");
        DlockProcess second = run("--", "sh", "-c", "echo second-start >> log");
        await("the second dlock waits for " + key + " on the server", () -> waiters(observer, key) > 0);
        assertThat(Files.readAllLines(file("log"))).containsExactly("first-start");
        first.tell("go");
        assertThat(first.exitStatus()).as(first.stderr()).isZero();
        assertThat(second.exitStatus()).as(second.stderr()).isZero();
        assertThat(Files.readAllLines(file("log"))).containsExactly("first-start", "first-end", "second-start");
    }

    @Test
    void concurrentRunsOfOneKeyTakeTurns() throws IOException {
        int count = 4;
        List<DlockProcess> runs = IntStream.range(0, count)
                .mapToObj(i -> run("--", "sh", "-c", "echo start " + i + " >> log; read go; echo end " + i + " >> log"))
                .collect(Collectors.toList());
        for (int turn = 0; turn < count; turn++) {
            int started = turn + 1;
            int waiting = count - started;
            // one command runs (started, not ended) while every other dlock waits on the server
            await(started + " commands started and " + waiting + " sessions waiting",
                    () -> lines("start").size() == started && waiters(observer, key) == waiting);
            List<String> log = Files.readAllLines(file("log"));
            assertThat(lines("end")).as("%s", log).hasSize(turn);
            String running = log.get(log.size() - 1);
            assertThat(running).as("%s", log).startsWith("start ");
            DlockProcess holder = runs.get(Integer.parseInt(running.substring("start ".length())));
            holder.tell("go");
            assertThat(holder.exitStatus()).as(holder.stderr()).isZero();
        }
        List<String> log = Files.readAllLines(file("log"));
        for (int i = 0; i < log.size(); i += 2) {
            assertThat(log.get(i + 1)).as("%s", log).isEqualTo(log.get(i).replace("start", "end"));
        }
    }

    private List<String> lines(String prefix) throws IOException {
        if (!Files.exists(file("log"))) {
            return List.of();
        }
        return Files.readAllLines(file("log")).stream().filter(line -> line.startsWith(prefix))
                .collect(Collectors.toList());
    }

    @Test
    void noWaitExitsWithTheConflictStatusWhenTheKeyIsBusy() throws SQLException {
        try (Connection holder = DriverManager.getConnection(url());
             DistributedLock lock = Locks.forConnection(holder, key).acquire()) {
            DlockProcess busy = run("--no-wait", "--", "touch", "ran");
            assertThat(busy.exitStatus()).as(busy.stderr()).isEqualTo(75);
            assertThat(busy.stderr()).isEqualTo("dlock: '" + key + "' is held by another session; exiting 75\n");

            DlockProcess chosen = run("-n", "-E", "3", "--", "touch", "ran");
            assertThat(chosen.exitStatus()).as(chosen.stderr()).isEqualTo(3);

            DlockProcess quiet = run("-n", "-q", "-E", "0", "--", "touch", "ran");
            assertThat(quiet.exitStatus()).isZero();
            assertThat(quiet.stderr()).isEmpty();

            assertThat(file("ran")).doesNotExist();
            assertThat(lock.isHeldOnServer()).isTrue();
        }
    }

    @Test
    void noWaitRunsTheCommandWhenTheKeyIsFree() {
        DlockProcess dlock = run("--no-wait", "--", "touch", "ran");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isZero();
        assertThat(file("ran")).exists();
    }

    @Test
    void aTimeoutThatPassesExitsWithTheConflictStatus() throws SQLException {
        try (Connection holder = DriverManager.getConnection(url());
             DistributedLock lock = Locks.forConnection(holder, key).acquire()) {
            long start = System.nanoTime();
            DlockProcess dlock = run("--timeout", "1s", "--", "touch", "ran");
            assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo(75);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).as("a sanity bound: the wait, and a JVM's start").isBetween(Duration.ofSeconds(1),
                    Duration.ofSeconds(30));
            assertThat(dlock.stderr()).contains("is held by another session; gave up after 1s");
            assertThat(file("ran")).doesNotExist();
            assertThat(lock.isLocked()).isTrue();
        }
    }

    @Test
    void aTimeoutLongEnoughRunsTheCommand() throws SQLException {
        DlockProcess first = run("--", "sh", "-c", "echo first >> log; read go");
        awaitLine(file("log"), "first");
        DlockProcess second = run("--timeout", "50s", "--", "sh", "-c", "echo second >> log");
        await("the second dlock waits for " + key, () -> waiters(observer, key) > 0);
        first.tell("go");
        assertThat(first.exitStatus()).isZero();
        assertThat(second.exitStatus()).as(second.stderr()).isZero();
        awaitLine(file("log"), "second");
    }

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"TERM", "INT"})
    void aSignalToDlockStopsTheCommandAndFreesTheLock(String signal) throws Exception {
        DlockProcess dlock = run("--", "sh", "-c", "trap 'echo stopped >> log; kill $s; exit 0' TERM;"
                + " sleep 600 & s=$!; echo $$ > pid; echo ready >> log; wait $s");
        awaitLine(file("log"), "ready");
        // a JVM started with the signal ignored keeps it ignored (a background job of a non-interactive shell
        // ignores SIGINT, and passes that on to everything it starts, this test's JVM and dlock's included)
        assumeFalse(ignores(dlock.process().pid(), "TERM".equals(signal) ? 15 : 2),
                "dlock inherited SIG" + signal + " ignored from the build");
        long child = Long.parseLong(Files.readString(file("pid")).strip());
        assertThat(held(observer, key)).isTrue();
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(dlock.process().pid())).start();
        assertThat(kill.waitFor()).isZero();
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo("TERM".equals(signal) ? 143 : 130);
        assertThat(Files.readAllLines(file("log"))).containsExactly("ready", "stopped");
        assertThat(ProcessHandle.of(child).filter(ProcessHandle::isAlive)).as("the command, still alive").isEmpty();
        awaitFree();
    }

    /** @return whether the process ignores the signal, from its SigIgn mask in /proc */
    private static boolean ignores(long pid, int signal) throws IOException {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        return Files.readAllLines(status).stream().filter(line -> line.startsWith("SigIgn:"))
                .map(line -> new BigInteger(line.substring("SigIgn:".length()).strip(), 16))
                .anyMatch(mask -> mask.testBit(signal - 1));
    }

    @Test
    void aSignalWhileWaitingForTheLockLeavesNothingBehind() throws Exception {
        DlockProcess first = run("--", "sh", "-c", "echo first >> log; read go");
        awaitLine(file("log"), "first");
        DlockProcess second = run("--", "touch", "ran");
        await("the second dlock waits for " + key, () -> waiters(observer, key) > 0);
        second.process().destroy(); // SIGTERM
        assertThat(second.exitStatus()).isEqualTo(143);
        await("no session waits for " + key, () -> waiters(observer, key) == 0);
        first.tell("go");
        assertThat(first.exitStatus()).isZero();
        awaitFree();
        assertThat(file("ran")).doesNotExist();
    }

    @Test
    void aLostLockStopsTheCommand() throws Exception {
        DlockProcess dlock = run("--check-every", "200ms", "--", "sh", "-c",
                "trap 'echo stopped >> log; kill $s; exit 0' TERM; sleep 600 & s=$!; echo ready >> log; wait $s");
        awaitLine(file("log"), "ready");
        killHolder(observer, key);
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo(76);
        assertThat(dlock.stderr()).startsWith("dlock: lost the lock on '" + key + "'")
                .contains("the command was stopped");
        assertThat(Files.readAllLines(file("log"))).containsExactly("ready", "stopped");
    }

    @Test
    void aLockLostBetweenChecksShowsAtTheRelease() throws SQLException {
        DlockProcess dlock = run("--check-every", "1h", "--", "sh", "-c", "echo ready >> log; read go");
        awaitLine(file("log"), "ready");
        killHolder(observer, key);
        dlock.tell("go");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo(76);
        assertThat(dlock.stderr()).startsWith("dlock: lost the lock on '" + key + "' before the command ended");
    }

    @Test
    void aCommandThatIgnoresSigtermIsKilledAfterTheGrace() throws Exception {
        DlockProcess dlock = run("--check-every", "200ms", "--kill-after", "500ms", "--", "sh", "-c",
                "trap '' TERM; echo ready >> log; read forever");
        awaitLine(file("log"), "ready");
        killHolder(observer, key);
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo(76);
    }

    @Test
    void aCommandThatIsNotFoundExits127() {
        DlockProcess dlock = run("--", "no-such-command-" + key);
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo(127);
        assertThat(dlock.stderr()).startsWith("dlock: ").contains("no-such-command-" + key);
        awaitFree();
    }

    @Test
    void aCommandThatCannotRunExits126() throws IOException {
        Files.writeString(file("not-executable"), "#!/bin/sh\ntrue\n");
        DlockProcess dlock = run("--", "./not-executable");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isEqualTo(126);
        awaitFree();
    }

    @Test
    void theCommandDoesNotInheritThePassword() throws IOException {
        DlockProcess dlock = runWith(Map.of("DLOCK_PASSWORD", ""), "--", "sh", "-c",
                "echo \"${DLOCK_PASSWORD-unset}\" > seen");
        assertThat(dlock.exitStatus()).as(dlock.stderr()).isZero();
        assertThat(Files.readString(file("seen")).strip()).isEqualTo("unset");
    }
}
