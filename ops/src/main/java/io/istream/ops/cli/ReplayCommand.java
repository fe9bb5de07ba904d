package io.istream.ops.cli;

import io.istream.features.job.JobOptions;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.config.TopicAdmin;
import io.istream.trainer.dataset.EventScript;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ops.replay.Replay;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.ops.local.RequestGenerator;
import io.istream.ops.local.ScriptChooser;
import io.istream.schemas.Topics;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay a dataset (or the synthetic generator) as time-ordered events onto a Kafka cluster.")
final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, e.g. 127.0.0.1:9092")
    String bootstrap;

    @Option(names = "--data", description = "dataset directory or file (amazon-beauty, MovieLens 100K/latest, "
            + "Taobao); default: ../shared/data/amazon-beauty; synthetic when absent")
    Path data;

    @Option(names = "--users", defaultValue = "0", description = "replay only the first N users (0 = all)")
    int users;

    @Option(names = "--speed", defaultValue = "0",
            description = "0 = as fast as possible; otherwise a multiple of real time (3600 = an hour per second)")
    double speed;

    @Option(names = "--seed", defaultValue = "7", description = "seed of sampled negatives / synthetic data")
    long seed;

    @Option(names = "--partitions", defaultValue = "2", description = "partitions of topics this creates")
    int partitions;

    @Option(names = "--replication-factor", defaultValue = "1", description = "replication of topics this creates")
    short replicationFactor;

    @Option(names = "--kafka-property", description = "extra client setting, e.g. security.protocol=SASL_SSL")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--kafka-properties", paramLabel = "FILE", description = "client settings from a properties file"
            + " (security.protocol, sasl.*, ssl.*); --kafka-property wins. Keep secrets here, not in arguments")
    Path kafkaPropertiesFile;

    @Option(names = "--requests-per-second", defaultValue = "0", description = "also send this many score requests a"
            + " second for users the replay has reached, as rankers would (0 = none; default: ${DEFAULT-VALUE})")
    double requestsPerSecond;

    @Option(names = "--candidates", defaultValue = "20",
            description = "candidates per score request (default: ${DEFAULT-VALUE})")
    int candidates;

    @Option(names = "--requests-for", defaultValue = "0", description = "keep sending score requests this many seconds"
            + " after the replay ends (default: ${DEFAULT-VALUE})")
    long requestsForSeconds;

    @Option(names = "--json", description = "also write the figures to this JSON file")
    Path json;

    @Override
    public Integer call() {
        KafkaConnection kafka = JobOptions.kafkaConnection(bootstrap, kafkaPropertiesFile, kafkaProperties);
        System.out.println("replaying to " + kafka);
        TopicAdmin.ensureTopics(kafka, Topics.ALL, partitions, replicationFactor);
        EventScript script = ScriptChooser.load(data != null ? data : Defaults.dataRoot().resolve("amazon-beauty"),
                users, seed, false, System.out);
        Replay.Result result;
        long requestsSent = 0;
        try (EventPublisher publisher = new EventPublisher(kafka, ValidationLimits.defaults())) {
            Replay replay = new Replay(publisher, speed, true);
            RequestGenerator requests = requestsPerSecond <= 0 ? null
                    : new RequestGenerator(publisher, candidates, seed).start(requestsPerSecond);
            if (requests != null) {
                replay.onPublished(requests::offer);
            }
            result = replay.run(script);
            if (requests != null) {
                if (requestsForSeconds > 0) {
                    System.out.printf("replay done; sending score requests for %d s more%n", requestsForSeconds);
                    try {
                        Thread.sleep(requestsForSeconds * 1000);   // the generator sends on its own thread meanwhile
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                requests.close();
                requestsSent = requests.sent();
                System.out.printf("sent %,d score requests%n", requestsSent);
            }
        }
        System.out.printf("replayed %,d events in %.1f s (%,.0f events/s)%n", result.events(),
                result.elapsed().toMillis() / 1000.0, result.eventsPerSecond());
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("script", script.name());
        figures.put("events", result.events());
        figures.put("seconds", result.elapsed().toMillis() / 1000.0);
        figures.put("eventsPerSecond", result.eventsPerSecond());
        figures.put("expectedSamples", script.expectedSamples());
        figures.put("scoreRequestsSent", requestsSent);
        FiguresFile.write(json, figures);
        return 0;
    }
}
