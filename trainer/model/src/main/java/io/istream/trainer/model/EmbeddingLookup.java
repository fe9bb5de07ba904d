package io.istream.trainer.model;

import io.istream.trainer.data.Batch;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The embedding part of {@link CtrModel}: the item, category and (optionally) user tables, the ids of a batch
 * resolved to rows, the gathers e = E[row] that start a forward pass, and the scatter of their gradients into the
 * touched rows only (what MBA's per-row regularisation needs, docs/model.md).
 *
 * <p>A candidate or behaviour is e = [E_item[i], E_category[c]] of width D = 2d. History rows are time-major: row
 * t·B + s is step t of sample s. Padding steps resolve to {@link EmbeddingTable#PADDING}, whose row is zero.
 */
final class EmbeddingLookup {
    private final int d;
    final EmbeddingTable items;
    final EmbeddingTable categories;
    final EmbeddingTable users;                    // null unless config.userEmbedding()
    private final SparseGradient itemGrad;
    private final SparseGradient categoryGrad;
    private final SparseGradient userGrad;
    private final boolean negativesUsed;           // DIEN's auxiliary loss reads ê_b
    private long clockMs;                          // time given to embedding sightings
    private boolean countSightings = true;

    // rows of the last lookup
    int[] lengths = new int[0];                    // [B] valid steps per sample
    int[] targetItemRows = new int[0];             // [B]
    int[] targetCategoryRows = new int[0];         // [B]
    int[] userRows = new int[0];                   // [B]
    int[] historyItemRows = new int[0];            // [T·B] time-major
    int[] historyCategoryRows = new int[0];        // [T·B]
    int[] negativeItemRows = new int[0];           // [T·B]
    int[] negativeCategoryRows = new int[0];       // [T·B]

    EmbeddingLookup(ModelConfig config, int slotCount, Initializer init) {
        DataType type = config.dataType();
        this.d = config.embeddingDim();
        items = table("item", config, slotCount, init);
        categories = table("category", config, slotCount, init);
        users = config.userEmbedding() ? table("user", config, slotCount, init) : null;
        itemGrad = new SparseGradient(type, d);
        categoryGrad = new SparseGradient(type, d);
        userGrad = config.userEmbedding() ? new SparseGradient(type, d) : null;
        negativesUsed = config.kind() == ModelKind.DIEN && config.auxWeight() > 0;
    }

    private static EmbeddingTable table(String name, ModelConfig config, int slotCount, Initializer init) {
        return new EmbeddingTable(name, config.dataType(), config.embeddingDim(), config.admitAfter(),
                config.expireAfterMs(), slotCount, 1024, config.embeddingInitStd(), init);
    }

    void setClock(long nowMs) {
        clockMs = nowMs;
    }

    void setCountSightings(boolean on) {
        countSightings = on;
    }

    /** Counts every id of a batch once per occurrence, without a forward pass. */
    void countOccurrences(Batch b) {
        int n = b.size;
        for (int i = 0; i < n; i++) {
            items.observe(b.targetItem[i], clockMs);
            categories.observe(b.targetCategory[i], clockMs);
            if (users != null) {
                users.observe(b.userId[i], clockMs);
            }
            for (int t = 0; t < b.historyLength[i]; t++) {
                int k = i * b.steps + t;
                items.observe(b.historyItem[k], clockMs);
                categories.observe(b.historyCategory[k], clockMs);
                if (negativesUsed) {
                    items.observe(b.negativeItem[k], clockMs);
                    categories.observe(b.negativeCategory[k], clockMs);
                }
            }
        }
    }

    /** The samples with an id that is not admitted yet (see {@link CtrModel#samplesWithUnadmittedIds}). */
    int[] samplesWithUnadmittedIds(Batch b) {
        int[] out = new int[b.size];
        int n = 0;
        for (int s = 0; s < b.size; s++) {
            boolean unadmitted = !admitted(items, b.targetItem[s]) || !admitted(categories, b.targetCategory[s])
                    || users != null && !admitted(users, b.userId[s]);
            int len = Math.min(b.historyLength[s], b.steps);
            for (int t = 0; t < len && !unadmitted; t++) {
                int k = s * b.steps + t;
                unadmitted = !admitted(items, b.historyItem[k]) || !admitted(categories, b.historyCategory[k]);
            }
            if (unadmitted) {
                out[n++] = s;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static boolean admitted(EmbeddingTable table, long id) {
        return id == 0 || table.resolve(id) != EmbeddingTable.UNKNOWN_ROW;
    }

    /**
     * Resolves the batch's ids to rows; a training lookup counts sightings (admission, MBA's n_j) unless counting is
     * off. With {@code sharedHistory}, samples after the first copy sample 0's history rows (inference only).
     */
    void lookup(Batch b, int batch, int steps, boolean train, boolean sharedHistory) {
        int rows = steps * batch;
        if (lengths.length < batch) {
            lengths = new int[batch];
            targetItemRows = new int[batch];
            targetCategoryRows = new int[batch];
            userRows = new int[batch];
        }
        if (historyItemRows.length < rows) {
            historyItemRows = new int[rows];
            historyCategoryRows = new int[rows];
            negativeItemRows = new int[rows];
            negativeCategoryRows = new int[rows];
        }
        boolean count = train && countSightings;
        boolean negativesNeeded = train && negativesUsed;
        for (int s = 0; s < batch; s++) {
            int len = Math.min(b.historyLength[s], steps);
            lengths[s] = len;
            targetItemRows[s] = row(items, b.targetItem[s], count);
            targetCategoryRows[s] = row(categories, b.targetCategory[s], count);
            if (users != null) {
                userRows[s] = row(users, b.userId[s], count);
            }
            if (sharedHistory && s > 0) {
                // the same ids as sample 0's: the same rows, no lookups (inference: nothing is counted)
                for (int t = 0; t < steps; t++) {
                    historyItemRows[t * batch + s] = historyItemRows[t * batch];
                    historyCategoryRows[t * batch + s] = historyCategoryRows[t * batch];
                }
                continue;
            }
            for (int t = 0; t < steps; t++) {
                int k = s * steps + t;
                int r = t * batch + s;
                boolean valid = t < len;
                historyItemRows[r] = valid ? row(items, b.historyItem[k], count) : EmbeddingTable.PADDING;
                historyCategoryRows[r] = valid ? row(categories, b.historyCategory[k], count)
                        : EmbeddingTable.PADDING;
                if (negativesNeeded) {
                    negativeItemRows[r] = valid ? row(items, b.negativeItem[k], count) : EmbeddingTable.PADDING;
                    negativeCategoryRows[r] = valid ? row(categories, b.negativeCategory[k], count)
                            : EmbeddingTable.PADDING;
                }
            }
        }
    }

    private int row(EmbeddingTable table, long id, boolean count) {
        return count ? table.observe(id, clockMs) : table.resolve(id);
    }

    /** e_a [B, D] of the candidates. */
    void gatherTargets(int batch, Tensor out) {
        items.gather(targetItemRows, batch, out, 0);
        categories.gather(targetCategoryRows, batch, out, d);
    }

    /** e_b [T·B, D] of the behaviours, time-major. */
    void gatherHistory(int rows, Tensor out) {
        items.gather(historyItemRows, rows, out, 0);
        categories.gather(historyCategoryRows, rows, out, d);
    }

    /** ê_b [T·B, D] of the auxiliary loss's negatives, into {@code out} from element {@code offset}. */
    void gatherNegatives(int rows, Tensor out, int offset) {
        items.gather(negativeItemRows, rows, out, offset);
        categories.gather(negativeCategoryRows, rows, out, offset + d);
    }

    /** Rows {@code itemRows}/{@code categoryRows} [n] into {@code out} [n, D]. */
    void gather(int[] itemRows, int[] categoryRows, int n, Tensor out) {
        items.gather(itemRows, n, out, 0);
        categories.gather(categoryRows, n, out, d);
    }

    /** The user vectors [B, d]. */
    void gatherUsers(int batch, Tensor out) {
        users.gather(userRows, batch, out, 0);
    }

    /**
     * The gradients of the last training lookup's embeddings into the touched rows only: candidates [B, D],
     * behaviours [T·B, D], the auxiliary negatives [T·B, D] (null when none), users [B, d] (null when none).
     */
    void scatter(int batch, int rows, Tensor dTarget, Tensor dHistory, Tensor dNegatives, Tensor dUser) {
        itemGrad.scatter(targetItemRows, batch, dTarget, 0);
        categoryGrad.scatter(targetCategoryRows, batch, dTarget, d);
        itemGrad.scatter(historyItemRows, rows, dHistory, 0);
        categoryGrad.scatter(historyCategoryRows, rows, dHistory, d);
        if (dNegatives != null) {
            itemGrad.scatter(negativeItemRows, rows, dNegatives, 0);
            categoryGrad.scatter(negativeCategoryRows, rows, dNegatives, d);
        }
        if (dUser != null) {
            userGrad.scatter(userRows, batch, dUser, 0);
        }
    }

    /** The embedding tables, in a stable order (item, category, user when present). */
    List<EmbeddingTable> tables() {
        return users == null ? List.of(items, categories) : List.of(items, categories, users);
    }

    /** The batch's sparse gradients, aligned with {@link #tables()}. */
    List<SparseGradient> sparseGradients() {
        return users == null ? List.of(itemGrad, categoryGrad) : List.of(itemGrad, categoryGrad, userGrad);
    }
}
