package io.istream.ops.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ops/istream}: the one launcher of the local stack, replays and benchmarks. */
@Command(name = "istream", mixinStandardHelpOptions = true, version = "istream 0.1.0",
        description = "Interest Stream: real-time CTR learning on Kafka + Flink.",
        subcommands = {DemoCommand.class, ReplayCommand.class, TrainCommand.class, ExplainCommand.class, BenchCommand.class,
                ResultsCommand.class, ClusterCommand.class,
                CommandLine.HelpCommand.class})
public final class IstreamCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new IstreamCli()).execute(args));
    }
}
