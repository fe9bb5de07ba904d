package io.istream.trainer.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * DIEN eq. 9: a_t = exp(h_t W e_a) / Σ_j exp(h_j W e_a), over the valid steps. W is stored as [D, H] so that the
 * projected query q = e_a·W [B, H] is one GEMM and each score is a dot product h_t·q.
 */
public final class BilinearAttention implements Layer {

    private final int keySize;        // H
    private final int querySize;      // D
    final Param weight;               // W [D, H]
    private int batch;
    private int steps;
    private int[] lengths;
    private Tensor keys;              // h [T·B, H], the caller's
    private Tensor query;             // e_a [B, D], the caller's
    private Tensor projectedQuery;    // q = e_a·W [B, H]
    private Tensor scores;            // h_t·q [T·B, 1]
    private Tensor weights;           // a [T·B, 1]
    private Tensor dScores;           // [T·B, 1]
    private Tensor dProjectedQuery;   // [B, H]
    private Tensor dKeys;             // [T·B, H]
    private Tensor dQuery;            // [B, D]

    public BilinearAttention(String name, DataType type, int keySize, int querySize, Initializer init) {
        this.keySize = keySize;
        this.querySize = querySize;
        weight = Param.zeros(name + ".W", type, querySize, keySize);
        init.glorot(weight.value(), querySize, keySize);
    }

    /**
     * Inference where every sample has the same keys h [T, H], as one user's candidates do: the scores h·qᵀ [T, B]
     * are one GEMM, and [T, B] row-major is the time-major [T·B] layout of the scores itself, so the keys are never
     * tiled to [T·B, H]. No backward follows.
     */
    public Tensor forwardShared(Tensor sharedKeys, Tensor query, int batch, int steps, int[] lengths) {
        sharedKeys.requireShape(steps, keySize);
        DataType type = sharedKeys.type();
        begin(null, query, batch, steps, lengths, type);
        Tensor grid = Tensor.reuseAnyShape(scores, type, steps, batch);     // the scores' memory as [T, B]
        Gemm.multiply(sharedKeys, false, projectedQuery, true, grid);
        MaskedSoftmax.forward(scores, batch, steps, lengths, weights);
        return weights;
    }

    /** Keeps a forward's inputs, sizes its outputs and projects the query: q = e_a·W [B, H]. */
    private void begin(Tensor keys, Tensor query, int batch, int steps, int[] lengths, DataType type) {
        query.requireShape(batch, querySize);
        this.keys = keys;
        this.query = query;
        this.batch = batch;
        this.steps = steps;
        this.lengths = lengths;
        int rows = steps * batch;
        projectedQuery = Tensor.reuse(projectedQuery, type, batch, keySize);
        scores = Tensor.reuse(scores, type, rows, 1);
        weights = Tensor.reuse(weights, type, rows, 1);
        Gemm.multiply(query, false, weight.value(), false, projectedQuery);
    }

    /** keys h [T·B, H], query e_a [B, D] → a [T·B, 1]. */
    public Tensor forward(Tensor keys, Tensor query, int batch, int steps, int[] lengths) {
        keys.requireShape(steps * batch, keySize);
        DataType type = keys.type();
        begin(keys, query, batch, steps, lengths, type);
        if (Activation.floatKernels(keys)) {
            scoresFloat();
            MaskedSoftmax.forward(scores, batch, steps, lengths, weights);
            return weights;
        }
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int row = t * batch + b;
                double s = 0;
                for (int j = 0; j < keySize; j++) {
                    s += keys.get(row * keySize + j) * projectedQuery.get(b * keySize + j);
                }
                scores.set(row, s);
            }
        }
        MaskedSoftmax.forward(scores, batch, steps, lengths, weights);
        return weights;
    }

    /** dL/da [T·B, 1] → dL/dh in {@link #dKeys()}, dL/de_a in {@link #dQuery()}. */
    public void backward(Tensor dWeights) {
        if (keys == null) {
            throw new IllegalStateException("backward needs a forward over per-sample keys, not forwardShared");
        }
        DataType type = dWeights.type();
        int rows = steps * batch;
        dScores = Tensor.reuse(dScores, type, rows, 1);
        dProjectedQuery = Tensor.reuse(dProjectedQuery, type, batch, keySize);
        dKeys = Tensor.reuse(dKeys, type, rows, keySize);
        dQuery = Tensor.reuse(dQuery, type, batch, querySize);
        MaskedSoftmax.backward(weights, dWeights, batch, steps, lengths, dScores);
        dProjectedQuery.zero();
        // s = h·q: dh = ds·q ; dq = Σ_t ds·h
        if (Activation.floatKernels(keys)) {
            scoresBackwardFloat();
        } else {
            scoresBackwardExact();
        }
        // q = e_a·W: dW = e_aᵀ·dq ; de_a = dq·Wᵀ
        Gemm.multiplyAdd(query, true, dProjectedQuery, false, weight.grad());
        Gemm.multiply(dProjectedQuery, false, weight.value(), true, dQuery);
    }

    // Step t's keys are rows [t·B, (t+1)·B): a [B, H] block whose row b is sample b, as q's row b is. So h_t ∘ q is
    // one vectorised loop over the block on FLOAT, with the row sums (scores) or the row scalings (ds) around it.
    private float[] queryBlock;     // q [B·H]
    private float[] keyBlock;       // h_t [B·H]
    private float[] productBlock;   // [B·H]
    private float[] perRow;         // [B]

    private void floatBlocks(int block) {
        if (queryBlock == null || queryBlock.length < block || perRow.length < batch) {
            queryBlock = new float[block];
            keyBlock = new float[block];
            productBlock = new float[block];
            perRow = new float[batch];
        }
    }

    /** s_t = Σ_j h_t,j·q_j per sample, a step block at a time. */
    private void scoresFloat() {
        int block = batch * keySize;
        floatBlocks(block);
        projectedQuery.read(0, queryBlock, 0, block);
        for (int t = 0; t < steps; t++) {
            keys.read(t * block, keyBlock, 0, block);
            FloatKernels.multiply(keyBlock, queryBlock, productBlock, block);
            FloatKernels.rowSums(productBlock, batch, keySize, perRow);
            scores.write(t * batch, perRow, 0, batch);
        }
    }

    /** dh_t = ds_t·q ; dq += ds_t·h_t, a step block at a time. */
    private void scoresBackwardFloat() {
        int block = batch * keySize;
        floatBlocks(block);
        projectedQuery.read(0, queryBlock, 0, block);
        float[] dq = new float[block];
        for (int t = 0; t < steps; t++) {
            dScores.read(t * batch, perRow, 0, batch);
            FloatKernels.spreadRows(perRow, batch, keySize, productBlock);    // ds spread over each row
            keys.read(t * block, keyBlock, 0, block);
            FloatKernels.multiplyAdd(productBlock, keyBlock, dq, block);
            FloatKernels.multiply(productBlock, queryBlock, keyBlock, block);
            dKeys.write(t * block, keyBlock, 0, block);
        }
        dProjectedQuery.write(0, dq, 0, block);
    }

    private void scoresBackwardExact() {
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int row = t * batch + b;
                double ds = dScores.get(row);
                for (int j = 0; j < keySize; j++) {
                    dKeys.set(row * keySize + j, ds * projectedQuery.get(b * keySize + j));
                    dProjectedQuery.add(b * keySize + j, ds * keys.get(row * keySize + j));
                }
            }
        }
    }

    public Tensor dKeys() {
        return dKeys;
    }

    public Tensor dQuery() {
        return dQuery;
    }

    @Override
    public List<Param> params() {
        return List.of(weight);
    }
}
