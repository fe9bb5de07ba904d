package io.istream.ops.cli;

import io.istream.avro.Metrics;
import io.istream.avro.ModelUpdate;
import io.istream.avro.Sample;
import io.istream.trainer.dataset.DatasetFormat;
import io.istream.trainer.dataset.Datasets;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.InteractionLog;
import io.istream.trainer.dataset.ReadOptions;
import io.istream.trainer.dataset.ReviewProtocol;
import io.istream.trainer.dataset.TimedEvent;
import io.istream.trainer.data.AmazonProtocol;
import io.istream.trainer.data.Batch;
import io.istream.trainer.data.Batches;
import io.istream.trainer.data.OfflineDataset;
import io.istream.trainer.eval.Evaluation;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.Param;
import io.istream.trainer.updates.ModelFollower;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The quality half of {@code bench pipeline}: what the stream learnt against what one offline pass over the same
 * samples, in the same order, learns. The last users of the dataset are never replayed; both final models are scored
 * on those users' test positions (the Amazon protocol's last review against a sampled negative), and the stream's
 * prequential AUC (each sample scored by the model before the step that trains on it) is set beside the offline
 * loop's, computed the same way.
 *
 * @param heldOut the users never replayed
 */
record PipelineQuality(EventScript script, OfflineDataset protocol, Set<Long> heldOut) {

    /** The replay without the held-out users, or null (with a note) where the dataset is not in the review format. */
    static PipelineQuality of(Path dataset, int users, int heldOutUsers, int maxHistory, long seed) {
        if (!Files.exists(dataset) || Datasets.detect(dataset) != DatasetFormat.AMAZON_REVIEWS) {
            System.out.println("held-out quality needs a dataset in the review format (amazon-beauty, yelp): skipped");
            return null;
        }
        InteractionLog log = DatasetFormat.AMAZON_REVIEWS.read(dataset,
                users > 0 ? ReadOptions.firstUsers(users) : ReadOptions.all());
        OfflineDataset protocol = AmazonProtocol.build(log, maxHistory, seed);
        List<Long> order = new ArrayList<>(new LinkedHashSet<>(Arrays.stream(userIds(protocol)).boxed().toList()));
        if (heldOutUsers >= order.size()) {
            throw new IllegalArgumentException("--held-out " + heldOutUsers + " leaves no user to replay of "
                    + order.size());
        }
        Set<Long> heldOut = new LinkedHashSet<>(order.subList(order.size() - heldOutUsers, order.size()));
        EventScript full = ReviewProtocol.script(log, seed);
        List<TimedEvent> replayed = full.events().stream().filter(e -> !heldOut.contains(e.userId())).toList();
        EventScript script = new EventScript(full.name() + " without the last " + heldOutUsers + " users", replayed);
        System.out.printf(Locale.ROOT, "Dataset %s: %,d users, %,d replayed (%,d events), %,d held out%n",
                dataset.toAbsolutePath().normalize(), order.size(), order.size() - heldOutUsers, script.size(),
                heldOutUsers);
        return new PipelineQuality(script, protocol, heldOut);
    }

    private static long[] userIds(OfflineDataset protocol) {
        long[] ids = new long[protocol.test().size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = protocol.test().userId(i);
        }
        return ids;
    }

    /**
     * @param samples     the samples topic, in its order (the trainer's at parallelism 1)
     * @param prequential [samples] the offline loop's score of each sample before the step that trained on it
     * @param windows     the stream's prequential metrics windows
     * @param offline     the offline loop's final model
     */
    Map<String, Object> compare(List<Sample> samples, double[] prequential, List<Metrics> windows,
                                List<ModelUpdate> updates, CtrModel offline) {
        ModelFollower streamed = new ModelFollower();
        updates.forEach(streamed::accept);
        double streamedHeldOut = heldOutAuc(streamed.model());
        double offlineHeldOut = heldOutAuc(offline);
        // the stream's AUC is per window; cut the offline scores into windows of the same sizes, in order
        double windowSum = 0;
        double offlineWindowSum = 0;
        long windowSamples = 0;
        int from = 0;
        for (Metrics w : windows) {
            int n = (int) Math.min(w.getSamples(), samples.size() - from);
            if (w.getAuc() != null && n > 0) {
                windowSum += w.getAuc() * n;
                offlineWindowSum += auc(samples, prequential, from, from + n) * n;
                windowSamples += n;
            }
            from += n;
        }
        double streamWindowed = windowSum / windowSamples;
        double offlineWindowed = offlineWindowSum / windowSamples;
        double offlinePrequential = auc(samples, prequential, 0, samples.size());
        boolean equal = streamed.model() != null && sameParameters(streamed.model(), offline);
        System.out.printf(Locale.ROOT, "held-out test AUC (%,d users never replayed): stream %.4f, offline pass"
                + " %.4f (difference %+.4f)%n", heldOut.size(), streamedHeldOut, offlineHeldOut,
                streamedHeldOut - offlineHeldOut);
        System.out.printf(Locale.ROOT, "prequential AUC, mean over %d windows weighted by samples: stream %.4f,"
                        + " offline pass %.4f (difference %+.4f); offline over the whole pass %.4f%n", windows.size(),
                streamWindowed, offlineWindowed, streamWindowed - offlineWindowed, offlinePrequential);
        System.out.println("final models " + (equal ? "equal bit for bit" : "differ (the trainer's batches were not"
                + " the samples topic's: parallelism above 1, or a partial batch cut by an idle flush)"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("heldOutUsers", heldOut.size());
        out.put("heldOutAucStream", streamedHeldOut);
        out.put("heldOutAucOffline", offlineHeldOut);
        out.put("prequentialAucStreamWindowed", streamWindowed);
        out.put("prequentialAucOfflineWindowed", offlineWindowed);
        out.put("prequentialAucOffline", offlinePrequential);
        out.put("modelsBitEqual", equal);
        out.put("modelVersion", streamed.version());
        return out;
    }

    private static double auc(List<Sample> samples, double[] scores, int from, int to) {
        Evaluation e = new Evaluation();
        for (int i = from; i < to; i++) {
            e.add(scores[i], samples.get(i).getLabel(), samples.get(i).getUserId());
        }
        return e.auc();
    }

    /** Test AUC of {@code model} on the held-out users' test positions (NaN without a model). */
    double heldOutAuc(CtrModel model) {
        if (model == null) {
            return Double.NaN;
        }
        Evaluation evaluation = new Evaluation();
        Batches test = Batches.inOrder(protocol.test(), 256);
        for (int k = 0; k < test.count(); k++) {
            Batch b = test.get(k);
            model.forward(b, false);
            double[] p = model.probabilities();
            for (int s = 0; s < b.size; s++) {
                if (heldOut.contains(b.userId[s])) {
                    evaluation.add(p[s], b.label[s], b.sampleKey[s]);
                }
            }
        }
        return evaluation.auc();
    }

    private static boolean sameParameters(CtrModel a, CtrModel b) {
        List<Param> pa = a.params();
        List<Param> pb = b.params();
        for (int k = 0; k < pa.size(); k++) {
            if (!Arrays.equals(pa.get(k).value().toDoubleArray(), pb.get(k).value().toDoubleArray())) {
                return false;
            }
        }
        return true;
    }
}
