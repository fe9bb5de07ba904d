package io.istream.ops.results;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One training run as its JSON figures file gives it: {@code istream train --json} (with {@code --experiment} and
 * {@code --variant}), or the PyTorch peer's {@code peer.py --out} (experiment "peer").
 *
 * @param testAucByEpoch     [epochs] test AUC after each epoch
 * @param testSlices         the selected epoch's test slices (history length, repeat or new): {samples, AUC}
 * @param validationAucByEpoch [epochs]
 */
public record RunRecord(String experiment, String variant, String dataset, long seed, int selectedEpoch,
                        double validationAuc, double testAuc, double testGauc, double testLogloss,
                        double[] validationAucByEpoch, double[] testAucByEpoch, double samplesPerSecond,
                        Map<String, double[]> testSlices, Path file) {

    /** A figures file of {@code istream train}, or null when it is not one. */
    static RunRecord ofTrain(JsonNode j, Path file) {
        if (!"train".equals(j.path("command").asText()) || !j.has("experiment")) {
            return null;
        }
        JsonNode epochs = j.path("epochs");
        double[] val = new double[epochs.size()];
        double[] test = new double[epochs.size()];
        for (int e = 0; e < epochs.size(); e++) {
            val[e] = epochs.get(e).path("validationAuc").asDouble();
            test[e] = epochs.get(e).path("testAuc").asDouble();
        }
        Map<String, double[]> slices = new LinkedHashMap<>();
        j.path("testSlices").fields().forEachRemaining(e -> slices.put(e.getKey(), new double[] {
            e.getValue().path("samples").asDouble(), e.getValue().path("auc").asDouble()}));
        return new RunRecord(j.path("experiment").asText(), j.path("variant").asText(),
                datasetName(j.path("dataset").asText()), j.path("seed").asLong(), j.path("selectedEpoch").asInt(),
                j.path("validationAuc").asDouble(), j.path("testAuc").asDouble(), j.path("testGauc").asDouble(),
                j.path("testLogloss").asDouble(), val, test, j.path("samplesPerSecond").asDouble(), slices, file);
    }

    /** A results file of the PyTorch peer (shared/yardsticks/fuxictr-peer/peer.py --out), or null. */
    static RunRecord ofPeer(JsonNode j, Path file) {
        if (!j.has("history") || !j.has("best") || !j.path("library").asText().contains("FuxiCTR")) {
            return null;
        }
        JsonNode history = j.path("history");
        double[] val = new double[history.size()];
        double[] test = new double[history.size()];
        for (int e = 0; e < history.size(); e++) {
            val[e] = history.get(e).path("val").path("auc").asDouble();
            test[e] = history.get(e).path("test").path("auc").asDouble();
        }
        JsonNode best = j.path("best");
        JsonNode config = j.path("config");
        String variant = j.path("model").asText() + peerForm(config);
        return new RunRecord("peer", variant, j.path("dataset").asText(), j.path("seed").asLong(),
                best.path("epoch").asInt(), best.path("val").path("auc").asDouble(),
                best.path("test").path("auc").asDouble(), best.path("test").path("gauc").asDouble(),
                best.path("test").path("logloss").asDouble(), val, test, best.path("samples_per_s").asDouble(),
                Map.of(), file);
    }

    /** The peer's options that make a form: DIN's softmax, DIEN's attention and cell, the head's activation. */
    private static String peerForm(JsonNode c) {
        StringBuilder s = new StringBuilder();
        String model = c.path("model").asText();
        if (!"base".equals(model) && c.path("din_softmax").asBoolean() && "din".equals(model)) {
            s.append(" softmax");
        }
        if ("dien".equals(model)) {
            s.append(" ").append(c.path("gru").asText()).append(" ").append(c.path("dien_att").asText())
                    .append(" aux ").append(c.path("aux_alpha").asText());
        }
        String act = c.path("act").asText();
        if (!act.isEmpty() && !"PReLU".equals(act)) {
            s.append(" ").append(act);
        }
        return s.toString();
    }

    /** "amazon-beauty/amazon" → "amazon-beauty": the folder, without the protocol. */
    static String datasetName(String dataset) {
        int slash = dataset.indexOf('/');
        return slash < 0 ? dataset : dataset.substring(0, slash);
    }
}
