package dev.dlock.cli;

import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.WatchOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dlock run}: checks its input (no connection is opened for bad input), connects, and hands over to
 * {@link LockedCommand}, which takes the lock, runs the command and gives the lock back.
 */
@Command(name = "run",
        sortOptions = false,
        headerHeading = "NAME%n  ",
        header = "dlock run - run a command while holding a database lock",
        synopsisHeading = "%nSYNOPSIS%n  ",
        customSynopsis = {"dlock run --url <jdbc-url> --key <key> [--timeout <duration> | --no-wait] [--shared]",
            "            [<option>...] [--] <command> [<args>...]"},
        descriptionHeading = "%nDESCRIPTION%n",
        description = {
            "Connects to the database at <jdbc-url>, takes the lock on <key> (waiting for it unless told otherwise),"
                    + " runs <command> with dlock's standard input, output and error while holding it, releases"
                    + " it when the command ends, and exits with the command's status. Every dlock process that"
                    + " names the same database and key, on any machine, runs its command alone; so does any"
                    + " program taking the same lock through the dlock library or sqlalchemy-dlock.",
            "",
            "The lock is the database's own (PostgreSQL advisory lock, MySQL/MariaDB GET_LOCK, SQL Server"
                    + " sp_getapplock, Oracle DBMS_LOCK), held by dlock's database session: if dlock dies, the"
                    + " server frees it with the session. While the command runs, dlock asks the server every"
                    + " --check-every whether it still holds the lock; if it does not (the session was killed, the"
                    + " connection broke, the server restarted), the command is stopped (SIGTERM, then SIGKILL"
                    + " after --kill-after) and dlock exits 76.",
            "",
            "SIGTERM, SIGINT or SIGHUP to dlock sends SIGTERM to the command (SIGKILL after --kill-after), waits"
                    + " for it to end, releases the lock, and dlock exits 128 + the signal's number. Only the"
                    + " command's own process is signalled: a command that starts others should pass the signal on"
                    + " (sh -c 'exec ...', or a trap).",
            "",
            "dlock writes only to standard error, each line starting 'dlock:'; passwords never appear in what it"
                    + " writes. The command does not inherit DLOCK_PASSWORD."},
        optionListHeading = "%nOPTIONS%n",
        parameterListHeading = "%nARGUMENTS%n",
        exitCodeListHeading = "%nEXIT STATUS%n",
        exitCodeList = {
            "<status>:the command's own status, when it ran while the lock was held (a command killed by a signal:"
                    + " 128 + the signal's number, as the shell reports it)",
            "2:bad input: an option, the URL (or no driver for it), the key, a missing command, or an option the"
                    + " database does not support (--shared on MySQL, --lease beyond PostgreSQL)",
            "69:the database could not be reached, refused the login, cannot take this lock, or failed"
                    + " (EX_UNAVAILABLE)",
            "75:the key is busy: --no-wait found it held, or --timeout passed (EX_TEMPFAIL, 'try again later');"
                    + " --conflict-exit-code changes it",
            "76:the lock was lost while the command ran, and the command was stopped",
            "126:the command was found but could not be run",
            "127:the command was not found",
            "128+n:dlock was stopped by signal n (143 for SIGTERM, 130 for SIGINT); the command was stopped first"},
        footerHeading = "%nENVIRONMENT%n",
        footer = {
            "  DLOCK_URL       the JDBC URL when --url is not given",
            "  DLOCK_USER      the database user when --user is not given",
            "  DLOCK_PASSWORD  the database password when --password-file is not given",
            "",
            "The user and password are given to the driver as its 'user' and 'password' properties. A URL may carry"
                    + " them itself (jdbc:postgresql://db/app?user=cron&password=...), but then they show in the"
                    + " process list: prefer the environment or --password-file. Give them in one place only; when"
                    + " both the URL and the environment carry one, the driver decides which counts.",
            "",
            "The jar carries the drivers for jdbc:postgresql:, jdbc:mariadb:, jdbc:mysql:, jdbc:sqlserver: and"
                    + " jdbc:oracle:thin:.",
            "",
            "EXAMPLES",
            "Run a nightly job on one machine of many; when another machine is still at it, skip this run:",
            "  export DLOCK_URL=jdbc:postgresql://db.internal/app DLOCK_USER=cron",
            "  java -jar dlock.jar run --key nightly-report --no-wait -- ./report.sh --all",
            "",
            "Wait up to a minute for the lock, then give up with status 75:",
            "  java -jar dlock.jar run --url jdbc:mariadb://db/app --key import \\",
            "      --timeout 1m -- python import.py",
            "",
            "A crontab: every 5 minutes, unless the last run is still going (then quietly, with status 0). A"
                    + " crontab and the environment of its jobs are readable by their user only; --password-file"
                    + " works as well:",
            "  DLOCK_URL=jdbc:postgresql://db/app",
            "  DLOCK_USER=cron",
            "  DLOCK_PASSWORD=...",
            "  */5 * * * * java -jar /opt/dlock.jar run -k sync -n -q -E 0 -- /opt/sync.sh",
            "",
            "Readers that may run together, excluding a writer (PostgreSQL, SQL Server, Oracle):",
            "  java -jar dlock.jar run --url ... --key catalog --shared -- ./read.sh",
            "  java -jar dlock.jar run --url ... --key catalog -- ./rebuild.sh"})
final class RunCommand implements Callable<Integer> {
    /** The environment variable with the password; not passed on to the command. */
    static final String PASSWORD_VARIABLE = "DLOCK_PASSWORD";
    private static final String URL_VARIABLE = "DLOCK_URL";
    private static final String USER_VARIABLE = "DLOCK_USER";
    private static final List<String> SCHEMES =
            List.of("jdbc:postgresql:", "jdbc:mariadb:", "jdbc:mysql:", "jdbc:sqlserver:", "jdbc:oracle:thin:");

    @Spec
    private CommandSpec spec;

    @Option(names = "--url", paramLabel = "<jdbc-url>", defaultValue = "${env:" + URL_VARIABLE + "}",
            description = "The database, as a JDBC URL (default: $DLOCK_URL).")
    private String url;

    @Option(names = {"-k", "--key"}, paramLabel = "<key>", required = true,
            description = "The lock's name. The same key on the same database is the same lock, for every dlock"
                    + " process and every program using the dlock library or sqlalchemy-dlock. MySQL and MariaDB"
                    + " take at most 64 characters, SQL Server 255.")
    private String key;

    @ArgGroup(exclusive = true)
    private Waiting waiting = new Waiting();

    @Option(names = {"-s", "--shared"},
            description = "Take the lock in shared mode: shared holders run together, and exclude (and are excluded"
                    + " by) an exclusive holder. PostgreSQL, SQL Server and Oracle; MySQL and MariaDB have no shared"
                    + " mode (status 2).")
    private boolean shared;

    @Option(names = {"-q", "--quiet"},
            description = "Say nothing when the key is busy or the wait times out (the exit status tells).")
    private boolean quiet;

    @Option(names = {"-E", "--conflict-exit-code"}, paramLabel = "<status>", defaultValue = "75",
            description = "The status for a busy key (--no-wait) or a timeout, 0 to 255 (default: ${DEFAULT-VALUE}).")
    private int conflictExitCode;

    @Option(names = "--user", paramLabel = "<name>", defaultValue = "${env:" + USER_VARIABLE + "}",
            description = "The database user (default: $DLOCK_USER, else whatever the URL says).")
    private String user;

    @Option(names = "--password-file", paramLabel = "<file>",
            description = "Read the database password from the first line of <file> (default: $DLOCK_PASSWORD,"
                    + " else whatever the URL says).")
    private Path passwordFile;

    @Option(names = "--check-every", paramLabel = "<duration>", defaultValue = "5s",
            converter = DurationConverter.class,
            description = "How often to ask the server whether the lock is still held while the command runs; a check"
                    + " unanswered for as long counts as a loss (default: ${DEFAULT-VALUE}).")
    private Duration checkEvery;

    @Option(names = "--lease", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "PostgreSQL over TCP: have the server end dlock's session, and free the lock, within"
                    + " <duration> of dlock falling silent (a dead machine, a cut link); at least 2s. The checks"
                    + " then run every (<duration> - 1s) / 4, unless --check-every is shorter.")
    private Duration lease;

    @Option(names = "--kill-after", paramLabel = "<duration>", defaultValue = "10s",
            converter = DurationConverter.class,
            description = "How long a command told to stop (SIGTERM) has before it is killed (SIGKILL)"
                    + " (default: ${DEFAULT-VALUE}).")
    private Duration killAfter;

    @Option(names = "--connect-timeout", paramLabel = "<duration>", defaultValue = "30s",
            converter = DurationConverter.class,
            description = "How long to wait for the database to accept the connection (default: ${DEFAULT-VALUE}).")
    private Duration connectTimeout;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Parameters(paramLabel = "<command>", arity = "0..*",
            description = "The command to run while the lock is held, and its arguments; no shell is involved"
                    + " (use sh -c '...' for one).")
    private List<String> command;

    /** How long to wait for the lock: the two options exclude each other. */
    static final class Waiting {
        @Option(names = {"-w", "--timeout"}, paramLabel = "<duration>", converter = DurationConverter.class,
                description = "Wait at most <duration> for the lock (500ms, 30s, 2m, 1h, or a number of seconds);"
                        + " 0 is one attempt. Default: wait as long as it takes.")
        Duration timeout;

        @Option(names = {"-n", "--no-wait"},
                description = "Do not wait: if the key is busy, exit at once with --conflict-exit-code (75).")
        boolean noWait;
    }

    @Override
    public Integer call() {
        if (url == null || url.isBlank()) {
            throw usage("no database: give --url <jdbc-url> or set " + URL_VARIABLE);
        }
        url = url.strip();
        if (!url.startsWith("jdbc:")) {
            throw usage("not a JDBC URL (it starts with jdbc:, such as jdbc:postgresql://host/db): "
                    + Secrets.none().scrub(url));
        }
        if (key.isEmpty()) {
            throw usage("the key is empty: give --key a name");
        }
        if (command == null || command.isEmpty()) {
            throw usage("no command to run: dlock run ... -- <command> [<args>...]");
        }
        if (conflictExitCode < 0 || conflictExitCode > 255) {
            throw usage("--conflict-exit-code must be 0 to 255: " + conflictExitCode);
        }
        WatchOptions watchOptions = watchOptions();
        String password = password();
        Secrets secrets = Secrets.of(url, password);
        try {
            DriverManager.getDriver(url);
        } catch (SQLException noDriver) {
            throw usage("no driver in dlock accepts this URL: " + secrets.scrub(url) + " (it carries "
                    + String.join(" ", SCHEMES) + "; check the URL's form)");
        }
        Properties properties = new Properties();
        if (user != null && !user.isEmpty()) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        // whole seconds, rounded up: DriverManager knows no finer login timeout
        DriverManager.setLoginTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE,
                (connectTimeout.toMillis() + 999) / 1000)));
        LockOptions options = shared ? LockOptions.builder().mode(LockMode.SHARED).build() : LockOptions.DEFAULT;
        PrintWriter err = spec.commandLine().getErr();
        LockedCommand locked = new LockedCommand(key, options, waiting.noWait ? Duration.ZERO : waiting.timeout,
                watchOptions, killAfter, conflictExitCode, quiet, command, PASSWORD_VARIABLE, secrets, err);
        return locked.run(() -> DriverManager.getConnection(url, properties), secrets.scrub(url));
    }

    private WatchOptions watchOptions() {
        if (checkEvery.compareTo(Duration.ofMillis(1)) < 0) {
            throw usage("--check-every must be at least 1ms: " + checkEvery);
        }
        if (lease == null) {
            return WatchOptions.every(checkEvery);
        }
        try {
            WatchOptions leased = WatchOptions.lease(lease);
            return checkEvery.compareTo(leased.cadence()) < 0
                    ? WatchOptions.every(checkEvery).withLease(lease)
                    : leased;
        } catch (IllegalArgumentException e) {
            throw usage("--lease: " + e.getMessage());
        }
    }

    /** @return the password from --password-file, else from the environment, else null (the URL's, if any) */
    private String password() {
        if (passwordFile == null) {
            return System.getenv(PASSWORD_VARIABLE);
        }
        try {
            String content = Files.readString(passwordFile, StandardCharsets.UTF_8);
            int end = content.indexOf('\n');
            String line = end < 0 ? content : content.substring(0, end);
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        } catch (NoSuchFileException e) {
            throw usage("--password-file: no such file: " + passwordFile);
        } catch (IOException e) {
            throw usage("--password-file: cannot read " + passwordFile + ": " + e.getClass().getSimpleName());
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
