package io.istream.trainer.offline;

import io.istream.trainer.data.Batch;
import io.istream.trainer.data.Batches;
import io.istream.trainer.data.OfflineDataset;
import io.istream.trainer.data.SampleSet;
import io.istream.trainer.eval.Evaluation;
import io.istream.trainer.eval.EvaluationResult;
import io.istream.trainer.eval.SliceEvaluation;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.Optimizer;
import io.istream.trainer.model.OptimizerConfig;
import io.istream.trainer.model.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains a model on an {@link OfflineDataset}'s training split, evaluates validation and test after every epoch, and
 * selects the epoch with the best validation AUC. The loop is the model core's three roles in order: forward,
 * backward, optimiser step.
 */
public final class OfflineTrainer {

    /** What a caller can watch: progress within an epoch, and each finished epoch. */
    public interface Listener {
        default void batchDone(int epoch, int batch, int batches, double loss) {
        }

        default void epochDone(EpochReport report) {
        }
    }

    private final CtrModel model;
    private final Optimizer optimizer;
    private final TrainingOptions options;
    private final Listener listener;

    public OfflineTrainer(ModelConfig modelConfig, OptimizerConfig optimizerConfig, TrainingOptions options,
                          Listener listener) {
        this.model = new CtrModel(modelConfig, optimizerConfig.kind().slots());
        this.optimizer = new Optimizer(optimizerConfig, model);
        this.options = options;
        this.listener = listener;
    }

    public CtrModel model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /**
     * @param onBetterValidation called with the epoch number whenever validation AUC improves (to save the model)
     */
    public TrainingReport train(OfflineDataset data, Consumer<Integer> onBetterValidation) {
        countTrainingOccurrences(data.train());
        List<EpochReport> epochs = new ArrayList<>();
        int best = 0;
        double bestAuc = Double.NEGATIVE_INFINITY;
        for (int epoch = 1; epoch <= options.epochs(); epoch++) {
            EpochReport report = trainEpoch(data, epoch);
            epochs.add(report);
            listener.epochDone(report);
            double auc = report.validation().auc();
            if (auc > bestAuc || best == 0) {
                bestAuc = auc;
                best = epoch;
                onBetterValidation.accept(epoch);
            } else if (options.patience() > 0 && epoch - best >= options.patience()) {
                break;   // early stopping: the selected epoch is behind us
            }
        }
        return new TrainingReport(List.copyOf(epochs), best);
    }

    /** n_j = the id's frequency in the training split (DIN §4.2); later forwards no longer count. */
    private void countTrainingOccurrences(SampleSet train) {
        for (Batch b : Batches.inOrder(train, 1024)) {
            model.countOccurrences(b);
        }
        model.setCountSightings(false);
    }

    private EpochReport trainEpoch(OfflineDataset data, int epoch) {
        optimizer.setLearningRateScale(options.learningRateScale(epoch));
        List<int[]> plan = plan(data.train(), epoch);
        long start = System.nanoTime();
        double lossSum = 0;
        double auxSum = 0;
        long samples = 0;
        long skipped = 0;
        for (int i = 0; i < plan.size(); i++) {
            Batch batch = Batches.of(data.train(), plan.get(i), 0);
            double loss = model.forward(batch, true);
            model.backward();
            // a batch with a non-finite loss or gradient is skipped, never applied
            if (!Double.isFinite(loss) || !optimizer.gradientsFinite()) {
                optimizer.discardGradients();
                skipped++;
                continue;
            }
            optimizer.step();
            lossSum += model.lastBceLoss() * batch.size;
            auxSum += model.lastAuxLoss() * batch.size;
            samples += batch.size;
            listener.batchDone(epoch, i + 1, plan.size(), model.lastBceLoss());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        EvaluationResult validation = evaluate(data.validation());
        SliceEvaluation testSlices = new SliceEvaluation();
        EvaluationResult test = evaluate(data.test(), testSlices);
        return new EpochReport(epoch, samples == 0 ? Double.NaN : lossSum / samples,
                samples == 0 ? Double.NaN : auxSum / samples, samples, seconds, skipped, validation, test,
                testSlices.results());
    }

    /** Scores a split with the current model at inference (moving Dice statistics, no counting). */
    public EvaluationResult evaluate(SampleSet split) {
        return evaluate(split, null);
    }

    /** As {@link #evaluate(SampleSet)}, also adding every scored sample to {@code slices} (when not null). */
    public EvaluationResult evaluate(SampleSet split, SliceEvaluation slices) {
        Evaluation evaluation = new Evaluation();
        for (Batch b : Batches.inOrder(split, options.evalBatchSize())) {
            model.forward(b, false);
            evaluation.add(b, model.probabilities());
            if (slices != null) {
                slices.add(b, model.probabilities());
            }
        }
        return evaluation.result();
    }

    /**
     * The epoch's batches: a seeded shuffle; with bucketing, each window of 50 batches is sorted by history length
     * before it is cut into batches, and the batch order is shuffled again, so T follows the samples' own lengths.
     */
    private List<int[]> plan(SampleSet train, int epoch) {
        int n = train.size();
        int b = options.batchSize();
        int[] order = Batches.shuffledOrder(n, options.seed(), epoch);
        if (options.bucketBatches()) {
            int window = 50 * b;
            Integer[] boxed = new Integer[window];
            for (int from = 0; from < n; from += window) {
                int to = Math.min(n, from + window);
                int len = to - from;
                for (int i = 0; i < len; i++) {
                    boxed[i] = order[from + i];
                }
                Arrays.sort(boxed, 0, len, (x, y) -> Integer.compare(train.historyLength(x), train.historyLength(y)));
                for (int i = 0; i < len; i++) {
                    order[from + i] = boxed[i];
                }
            }
        }
        List<int[]> batches = new ArrayList<>();
        for (int from = 0; from < n; from += b) {
            batches.add(Arrays.copyOfRange(order, from, Math.min(n, from + b)));
        }
        if (options.bucketBatches()) {
            SplittableRandom random = new SplittableRandom(options.seed() * 31 + epoch);
            for (int i = batches.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int[] t = batches.get(i);
                batches.set(i, batches.get(j));
                batches.set(j, t);
            }
        }
        return batches;
    }
}
