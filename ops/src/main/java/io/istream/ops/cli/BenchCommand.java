package io.istream.ops.cli;

import picocli.CommandLine.Command;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print figures.",
        subcommands = {IngestBench.class, TrainBench.class, ScoreBench.class, PipelineBench.class, SoakBench.class,
                FreshnessBench.class, ScalingBench.class})
final class BenchCommand {
}
