package io.istream.ops.cli;

import io.istream.features.job.FeatureStateOptions;
import io.istream.ingestion.config.IngestionOptions;
import io.istream.scorer.job.ScorerOptions;
import io.istream.trainer.job.TrainerOptions;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelKind;
import io.istream.trainer.model.ModelOptions;
import io.istream.trainer.model.OptimizerConfig;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.apache.flink.util.TimeUtils;

/**
 * docs/configuration.md, generated from the typed options themselves (ConfigurationDocTest keeps the file equal to
 * this text), so the document cannot drift from the code.
 */
public final class ConfigurationDoc {
    private ConfigurationDoc() {
    }

    public static String render() {
        StringBuilder out = new StringBuilder();
        out.append("""
                # Configuration

                <!-- Generated from the typed options by ConfigurationDocTest; edit the options, not this file:
                     mvn -pl ops test -Dtest=ConfigurationDocTest -Distream.docs.write=true -->

                Every option has a key, a default and a description. A job's `main` takes them from the cluster's
                Flink configuration (`config.yaml`, `flink run -Dkey=value`), then from its `--conf-file FILE` (a
                `.properties` file, or YAML with nested or dotted keys) and `--conf key=value` arguments in the order
                given, later ones winning. It prints the effective values at start, and refuses a key under one of
                the project's prefixes (`ingestion.`, `features.`, `trainer.`, `model.`, `optimizer.`, `scorer.`)
                that it does not know. On the local stack, `ops/istream demo` and `bench ingest|pipeline|freshness|soak`
                take `--conf key=value` with the same check; `ops/istream train` takes the `model.*` and
                `optimizer.*` options with `--conf`, and its flags are shortcuts for the same keys.

                | job | reads |
                |---|---|
                | data plane (`DataPlaneJob`) | `ingestion.*`, `features.*` |
                | learning job (`TrainingJob`) | `ingestion.*`, `features.*`, `trainer.*`, `model.*`, `optimizer.*` |
                | scorer (`ScorerJob`) | `ingestion.*`, `scorer.*`; the model itself comes with the trainer's FULL updates |

                """);
        section(out, "Ingestion", IngestionOptions.ALL);
        section(out, "Feature state", FeatureStateOptions.ALL);
        section(out, "Streaming trainer", TrainerOptions.ALL);
        out.append("## Model and optimiser\n\n")
                .append("The offline trainer (`ops/istream train`) and the streaming learning job read these through one"
                        + " catalogue (`ModelOptions`), so a setting means the same thing in both. Their model"
                        + " defaults are the same; their optimiser defaults are not: the offline trainer uses Adam at"
                        + " 1e-3 with MBA, which pays off over many epochs, the learning job, which sees each sample"
                        + " once, Adam at 3e-3 and β₁ = 0.5 without regularisation"
                        + " ([model.md](model.md#shipped-defaults-and-the-papers-forms)). Changing `optimizer.kind`"
                        + " between Adam and Adagrad brings that rule's learning rate and ε unless they are set too."
                        + " `model.kind` and `model.form` choose the defaults the other `model.*`"
                        + " options start from; the defaults below are those of DIEN's shipped form.\n\n")
                .append("| key | default | description |\n|---|---|---|\n");
        Map<String, String> defaults = ModelOptions.values(ModelConfig.defaults(ModelKind.DIEN),
                OptimizerConfig.defaults(), ModelOptions.Form.DEFAULT);
        Map<String, String> streaming = ModelOptions.values(ModelConfig.defaults(ModelKind.DIEN),
                OptimizerConfig.streamingDefaults(), ModelOptions.Form.DEFAULT);
        ModelOptions.descriptions().forEach((key, description) -> out.append("| ")
                .append(defaults.get(key).equals(streaming.get(key)) ? "`" + key + "` | `" + defaults.get(key) + "`"
                        : "`" + key + "` | `" + defaults.get(key) + "` offline, `" + streaming.get(key)
                        + "` in the learning job")
                .append(" | ").append(escape(description)).append(" |\n"));
        out.append('\n');
        section(out, "Scorer", ScorerOptions.ALL);
        return out.toString().stripTrailing() + "\n";
    }

    private static void section(StringBuilder out, String title, List<ConfigOption<?>> options) {
        out.append("## ").append(title).append("\n\n| key | default | description |\n|---|---|---|\n");
        for (ConfigOption<?> o : options) {
            Object value = o.defaultValue();
            String shown = value instanceof Duration d ? TimeUtils.formatWithHighestUnit(d) : String.valueOf(value);
            String description = new HtmlFormatter().format(o.description()).replaceAll("<[^>]+>", "");
            out.append("| `").append(o.key()).append("` | `").append(shown).append("` | ").append(escape(description))
                    .append(" |\n");
        }
        out.append('\n');
    }

    private static String escape(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
