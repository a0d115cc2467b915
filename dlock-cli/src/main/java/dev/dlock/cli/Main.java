package dev.dlock.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dlock}: the command line. {@code java -jar dlock.jar run --url ... --key ... -- command} ({@link RunCommand}).
 * Everything dlock says goes to standard error, each line starting {@code dlock:}; standard output is the command's.
 */
@Command(name = "dlock",
        synopsisSubcommandLabel = "COMMAND",
        headerHeading = "NAME%n  ",
        header = "dlock - a distributed flock: run a command while holding a database lock",
        synopsisHeading = "%nSYNOPSIS%n  ",
        descriptionHeading = "%nDESCRIPTION%n",
        description = {
            "dlock takes a lock in a database you already run (PostgreSQL advisory locks, MySQL and MariaDB named"
                    + " locks, SQL Server application locks, Oracle DBMS_LOCK user locks) and runs a command while it"
                    + " holds it, so that a job started on several machines runs on one at a time.",
            "",
            "Run 'dlock run --help' for the options, the exit statuses and examples."},
        commandListHeading = "%nCOMMANDS%n",
        optionListHeading = "%nOPTIONS%n",
        subcommands = RunCommand.class)
public final class Main implements Runnable {
    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    private Main() {
    }

    /**
     * Runs dlock and exits with its status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * @param args the command line
     * @return the exit status
     */
    static int execute(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        // everything after the command's name is the command's: 'dlock run -k job rsync -a x y' leaves -a to rsync
        commandLine.setStopAtPositional(true);
        commandLine.setParameterExceptionHandler(Main::usageError);
        commandLine.setExecutionExceptionHandler((exception, failed, parsed) -> {
            failed.getErr().println("dlock: failed: " + Secrets.of(null, System.getenv(RunCommand.PASSWORD_VARIABLE))
                    .scrub(String.valueOf(exception)));
            return ExitStatus.SOFTWARE;
        });
        return commandLine.execute(args);
    }

    /** One line saying what is wrong, then where the help is; the status picocli gives bad input (2). */
    private static int usageError(ParameterException problem, String[] args) {
        CommandLine failed = problem.getCommandLine();
        PrintWriter err = failed.getErr();
        Secrets secrets = Secrets.of(null, System.getenv(RunCommand.PASSWORD_VARIABLE));
        err.println("dlock: " + secrets.scrub(problem.getMessage()));
        err.println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for more information.");
        return failed.getCommandSpec().exitCodeOnInvalidInput();
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: dlock run --url <jdbc-url> --key <key>"
                + " -- <command> [<args>...]");
    }
}
