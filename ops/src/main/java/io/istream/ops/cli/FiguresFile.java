package io.istream.ops.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.istream.trainer.model.OptimizerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes a command's figures as JSON for {@code --json FILE}. */
final class FiguresFile {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private FiguresFile() {
    }

    /** The optimiser a bench trained with: its rule, η, and embedding regularisation with its λ. */
    static void putOptimizer(Map<String, Object> figures, OptimizerConfig optimizer) {
        figures.put("optimizer", optimizer.kind().name());
        figures.put("learningRate", optimizer.learningRate());
        figures.put("beta1", optimizer.beta1());
        figures.put("regularization", optimizer.regularization().name());
        figures.put("lambda", optimizer.lambda());
    }

    static void write(Path file, Map<String, Object> figures) {
        if (file == null) {
            return;
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            JSON.writeValue(file.toFile(), figures);
            System.out.println("figures written to " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
