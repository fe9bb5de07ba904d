package io.istream.trainer.streaming;

import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.OptimizerConfig;

/**
 * What the streaming trainer needs to know, resolved from the job's options ({@code TrainerOptions}).
 *
 * @param batchSize           samples per training step
 * @param maxHistory          T: behaviours per sample used, newest kept
 * @param publishEveryBatches a delta after this many trained batches …
 * @param publishEveryMs      … or this long after the last update, whichever comes first (if anything changed)
 * @param fullEveryMs         a full snapshot this often (and at start and after a restore)
 * @param maxChunkBytes       payload bound per model-update record (under the broker's message.max.bytes)
 * @param metricsWindowMs     prequential metrics window
 * @param expireEveryMs       how often embedding expiry runs (when the model config sets an expiry age)
 * @param prequential         which pre-update score the prequential metrics use
 * @param modelThreads        threads of DIEN's recurrent layers and auxiliary net (1 or 2)
 */
public record StreamingSettings(ModelConfig model, OptimizerConfig optimizer, int batchSize, int maxHistory,
                                int publishEveryBatches, long publishEveryMs, long fullEveryMs, int maxChunkBytes,
                                long metricsWindowMs, long expireEveryMs, PrequentialScore prequential,
                                int modelThreads)
        implements java.io.Serializable {

    /** With the served score for the prequential metrics. */
    public StreamingSettings(ModelConfig model, OptimizerConfig optimizer, int batchSize, int maxHistory,
                             int publishEveryBatches, long publishEveryMs, long fullEveryMs, int maxChunkBytes,
                             long metricsWindowMs, long expireEveryMs) {
        this(model, optimizer, batchSize, maxHistory, publishEveryBatches, publishEveryMs, fullEveryMs, maxChunkBytes,
                metricsWindowMs, expireEveryMs, PrequentialScore.SERVED, 1);
    }

    public StreamingSettings {
        require(prequential != null, "a prequential score mode is needed");
        require(modelThreads == 1 || modelThreads == 2, "model threads must be 1 or 2");
        require(batchSize > 0, "batch size must be positive");
        require(maxHistory > 0, "max history must be positive");
        require(publishEveryBatches > 0, "publish-every-batches must be positive");
        require(publishEveryMs > 0, "publish interval must be positive");
        require(fullEveryMs >= publishEveryMs, "the full-snapshot interval must be at least the publish interval");
        require(metricsWindowMs > 0, "metrics window must be positive");
        require(expireEveryMs > 0, "expiry interval must be positive");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
