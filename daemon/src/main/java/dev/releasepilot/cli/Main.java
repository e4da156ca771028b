package dev.releasepilot.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code release-pilot <command>}: parses flags and hands over; no logic lives here. */
@Command(name = "release-pilot", mixinStandardHelpOptions = true, version = "release-pilot 0.1.0",
        description = "Reactive monitoring and auto-rollback daemon.",
        subcommands = {RunCommand.class, CheckCommand.class, StatusCommand.class, DecisionsCommand.class,
                HealthCommand.class, ControlCommand.Rollback.class, ControlCommand.Pause.class,
                ControlCommand.Resume.class, ControlCommand.Promote.class, ControlCommand.Abort.class,
                ReleaseCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (run, check, status, decisions, health, rollback, pause, resume, promote, abort, release)");
    }
}
