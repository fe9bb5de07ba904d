package io.istream.trainer.model;

/**
 * Pooling of a time-major history e [T·B, D] into one vector per sample, and its backward pass: the base model's
 * sum pool p = Σ_t m_t e[t], and the attention pools v = Σ_t w_t e[t] of DIN (w = its local activation) and DIEN
 * (w = a_t). Padded steps (t ≥ length) count for nothing. FLOAT tensors take vectorised loops over whole [B, D] step
 * blocks; DOUBLE ones the element loops that the gradient checks read.
 */
final class HistoryPool {
    private final int width;                       // D
    private FloatBlocks floatBlocks;

    HistoryPool(int width) {
        this.width = width;
    }

    /** out[s] = Σ_{t < lengths[s]} w_t·e[t·B + s] (w = 1 when weights is null); out [B, D]. */
    void forward(Tensor e, Tensor weights, Tensor out, int batch, int steps, int[] lengths) {
        if (Activation.floatKernels(e)) {
            forwardFloat(e, weights, out, batch, steps, lengths);
            return;
        }
        out.zero();
        for (int t = 0; t < steps; t++) {
            for (int s = 0; s < batch; s++) {
                if (t >= lengths[s]) {
                    continue;
                }
                int row = t * batch + s;
                double w = weights == null ? 1 : weights.get(row);
                for (int j = 0; j < width; j++) {
                    out.add(s * width + j, w * e.get(row * width + j));
                }
            }
        }
    }

    /**
     * {@link #forward} on FLOAT: step t's rows are one contiguous [B, D] block whose row s is sample s, as is out's,
     * so out += w ∘ e_t is one vectorised loop per step (w spread over each row; 0 for a padded step).
     */
    private void forwardFloat(Tensor e, Tensor weights, Tensor out, int batch, int steps, int[] lengths) {
        int block = batch * width;
        FloatBlocks f = floatBlocks(block, batch);
        java.util.Arrays.fill(f.accumulator, 0, block, 0f);
        for (int t = 0; t < steps; t++) {
            e.read(t * block, f.block, 0, block);
            stepWeights(t, weights, f.perRow, batch, lengths);
            FloatKernels.spreadRows(f.perRow, batch, width, f.scale);
            FloatKernels.multiplyAdd(f.scale, f.block, f.accumulator, block);
        }
        out.write(0, f.accumulator, 0, block);
    }

    /**
     * p = Σ_{valid t} w_t e[t]:  de[t] += w_t·dp (into dHistory [T·B, D]) and, when weighted, dw_t = dp·e[t] (into
     * dWeights [T·B, 1], 0 for a padded step).
     */
    void backward(Tensor weights, Tensor e, Tensor dPool, Tensor dHistory, Tensor dWeights, int batch, int steps,
                  int[] lengths) {
        if (Activation.floatKernels(e)) {
            backwardFloat(weights, e, dPool, dHistory, dWeights, batch, steps, lengths);
            return;
        }
        for (int t = 0; t < steps; t++) {
            for (int s = 0; s < batch; s++) {
                int row = t * batch + s;
                if (t >= lengths[s]) {
                    if (weights != null) {
                        dWeights.set(row, 0);
                    }
                    continue;
                }
                double w = weights == null ? 1 : weights.get(row);
                double dw = 0;
                for (int j = 0; j < width; j++) {
                    double dp = dPool.get(s * width + j);
                    dHistory.add(row * width + j, w * dp);
                    dw += dp * e.get(row * width + j);
                }
                if (weights != null) {
                    dWeights.set(row, dw);
                }
            }
        }
    }

    /** {@link #backward} on FLOAT, a [B, D] step block at a time: de_t += w ∘ dp ; dw_t = Σ_j dp_j·e_t,j. */
    private void backwardFloat(Tensor weights, Tensor e, Tensor dPool, Tensor dHistory, Tensor dWeights, int batch,
                               int steps, int[] lengths) {
        int block = batch * width;
        FloatBlocks f = floatBlocks(block, batch);
        dPool.read(0, f.other, 0, block);                     // dp [B, D]
        for (int t = 0; t < steps; t++) {
            int at = t * block;
            stepWeights(t, weights, f.perRow, batch, lengths);
            FloatKernels.spreadRows(f.perRow, batch, width, f.scale);
            dHistory.read(at, f.accumulator, 0, block);
            FloatKernels.multiplyAdd(f.scale, f.other, f.accumulator, block);
            dHistory.write(at, f.accumulator, 0, block);
            if (weights != null) {
                e.read(at, f.block, 0, block);
                FloatKernels.multiply(f.other, f.block, f.accumulator, block);
                FloatKernels.rowSums(f.accumulator, batch, width, f.perRow);
                for (int s = 0; s < batch; s++) {
                    dWeights.set(t * batch + s, t >= lengths[s] ? 0 : f.perRow[s]);
                }
            }
        }
    }

    /** w_t per sample at step t: the pooling weight (1 when unweighted), 0 where the step is padding. */
    private static void stepWeights(int t, Tensor weights, float[] perRow, int batch, int[] lengths) {
        for (int s = 0; s < batch; s++) {
            perRow[s] = t >= lengths[s] ? 0f : weights == null ? 1f : (float) weights.get(t * batch + s);
        }
    }

    /** Heap blocks for the FLOAT loops, reused across batches. */
    private static final class FloatBlocks {
        final float[] block;
        final float[] scale;
        final float[] accumulator;
        final float[] other;
        final float[] perRow;

        FloatBlocks(int size, int rows) {
            block = new float[size];
            scale = new float[size];
            accumulator = new float[size];
            other = new float[size];
            perRow = new float[rows];
        }
    }

    private FloatBlocks floatBlocks(int size, int batch) {
        if (floatBlocks == null || floatBlocks.block.length < size || floatBlocks.perRow.length < batch) {
            floatBlocks = new FloatBlocks(size, batch);
        }
        return floatBlocks;
    }
}
