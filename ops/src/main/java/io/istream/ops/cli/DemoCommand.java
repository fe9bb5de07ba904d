package io.istream.ops.cli;

import io.istream.ingestion.dataset.EventScript;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ingestion.replay.Replay;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.ops.local.LocalStack;
import io.istream.ops.local.ScriptChooser;
import io.istream.ops.metrics.PipelineCounts;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an embedded Kafka broker and a Flink MiniCluster, replay a dataset into it, run the "
                + "data plane and print live counts every second. Ctrl-C stops it cleanly.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--data", description = "dataset to replay; default ../shared/data/amazon-beauty; the synthetic "
            + "generator when it is absent")
    Path data;

    @Option(names = "--users", defaultValue = "0", description = "replay only the first N users (0 = all)")
    int users;

    @Option(names = "--speed", defaultValue = "0", description = "0 = as fast as possible; else a multiple of real time")
    double speed;

    @Option(names = "--seconds", defaultValue = "0",
            description = "stop after this long; 0 = when the replay is done and the counts have settled")
    int seconds;

    @Mixin
    LocalJobOptions local = new LocalJobOptions();

    @Override
    public Integer call() throws Exception {
        Path dataset = data != null ? data : Defaults.dataRoot().resolve("amazon-beauty");
        EventScript script = ScriptChooser.load(dataset, users, local.seed, false, System.out);
        Configuration options = local.jobOptions();

        CountDownLatch stopped = new CountDownLatch(1);
        try (LocalStack stack = LocalStack.start(Defaults.workDir("demo"), local.parallelism)) {
            Thread hook = new Thread(() -> {
                System.out.println("\nstopping: cancelling the job and closing the broker");
                stopped.countDown();
            });
            Runtime.getRuntime().addShutdownHook(hook);
            var job = stack.startDataPlane(options, StartingPosition.EARLIEST, false);
            EventPublisher publisher = new EventPublisher(stack.kafka(), ValidationLimits.defaults());
            Replay replay = new Replay(publisher, speed, false);
            Thread replayer = new Thread(() -> replay.run(script), "replay");
            replayer.setDaemon(true);
            replayer.start();

            System.out.printf("%6s %11s %10s %10s %9s %10s %8s  %s%n", "t(s)", "replayed", "in", "in/s", "dead",
                    "samples", "pos", "dead letters by reason");
            long startNs = System.nanoTime();
            PipelineCounts last = PipelineCounts.now();
            long settledSince = -1;
            while (!stopped.await(1, TimeUnit.SECONDS)) {
                PipelineCounts now = PipelineCounts.now();
                long t = (System.nanoTime() - startNs) / 1_000_000_000L;
                System.out.printf("%6d %,11d %,10d %,10d %,9d %,10d %,8d  %s%n", t, replay.published(), now.recordsIn(),
                        now.recordsIn() - last.recordsIn(), now.deadLetters(), now.samplesOut(), now.positives(),
                        now.deadLettersByReason());
                if (job.getJobStatus().get().isGloballyTerminalState()) {
                    System.out.println("the data-plane job stopped: " + job.getJobStatus().get());
                    job.getJobExecutionResult().get();
                    break;
                }
                // done when every replayed event has been read and nothing moved for 5 s
                boolean quiet = !replayer.isAlive() && now.recordsIn() >= replay.published() && now.equals(last);
                settledSince = quiet ? (settledSince < 0 ? t : settledSince) : -1;
                last = now;
                if ((seconds > 0 && t >= seconds) || (seconds == 0 && settledSince >= 0 && t - settledSince >= 5)) {
                    break;
                }
            }
            replayer.interrupt();
            publisher.close();
            PipelineCounts end = PipelineCounts.now();
            System.out.printf("records in %,d = processed %,d + dead letters %,d + clicks still waiting for their "
                            + "impression %,d; samples out %,d (%,d positive)%n", end.recordsIn(), end.processed(),
                    end.deadLetters(), end.recordsIn() - end.processed() - end.deadLetters(), end.samplesOut(),
                    end.positives());
            System.out.println("samples whose attribution window is still open stay pending until event time moves on");
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("script", script.name());
            figures.put("replayed", replay.published());
            figures.put("counts", end);
            FiguresFile.write(local.json, figures);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the JVM is already stopping, the try-with-resources still closes the stack
            }
        }
        return 0;
    }
}
