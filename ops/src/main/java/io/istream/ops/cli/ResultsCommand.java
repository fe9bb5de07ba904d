package io.istream.ops.cli;

import io.istream.ops.results.ResultsReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code istream results}: renders docs/results.md from the training runs' JSON figures and a template. */
@Command(name = "results", mixinStandardHelpOptions = true,
        description = "Render a results document from the JSON figures of 'istream train' runs (and the PyTorch"
                + " peer's): every figure comes from a directive of the template, none is typed by hand.")
final class ResultsCommand implements Callable<Integer> {

    @Option(names = "--runs", defaultValue = "docs/results/runs", paramLabel = "DIR",
            description = "Where the runs' JSON files are, searched recursively (default: ${DEFAULT-VALUE}).")
    Path runs;

    @Option(names = "--template", defaultValue = "docs/results.template.md", paramLabel = "FILE",
            description = "The document with its directives (default: ${DEFAULT-VALUE}).")
    Path template;

    @Option(names = "--out", defaultValue = "docs/results.md", paramLabel = "FILE",
            description = "The rendered document (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--charts", defaultValue = "docs/results", paramLabel = "DIR",
            description = "Where the charts go (default: ${DEFAULT-VALUE}).")
    Path charts;

    @Option(names = "--in-place", split = ",", defaultValue = "README.md,docs/benchmarks.md", paramLabel = "FILE",
            description = "Documents whose '<!-- {{directive}} -->' … '<!-- end -->' blocks are rendered again where"
                    + " they stand (default: ${DEFAULT-VALUE}).")
    List<Path> inPlace;

    @Override
    public Integer call() {
        ResultsReport report = ResultsReport.load(runs);
        try {
            // render everything before writing anything, so a missing run leaves every document as it was
            Map<Path, String> rendered = new LinkedHashMap<>();
            rendered.put(out, report.render(Files.readString(template), out.toAbsolutePath().getParent(),
                    charts.toAbsolutePath()));
            for (Path doc : inPlace) {
                if (Files.exists(doc)) {
                    rendered.put(doc, report.renderInPlace(Files.readString(doc), doc.toAbsolutePath().getParent(),
                            charts.toAbsolutePath()));
                }
            }
            for (Map.Entry<Path, String> e : rendered.entrySet()) {
                Files.writeString(e.getKey(), e.getValue());
                if (!e.getKey().equals(out)) {
                    System.out.println(e.getKey() + " rendered in place");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalArgumentException e) {
            // a directive names runs that are not there, or is malformed: the message says which
            System.err.println("istream results: " + e.getMessage() + "; nothing written");
            return 1;
        }
        System.out.println(out + " rendered from " + report.runs().size() + " runs under " + runs);
        return 0;
    }
}
