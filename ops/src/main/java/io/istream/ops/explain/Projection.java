package io.istream.ops.explain;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dimensionalityreduction.PCA;
import org.nd4j.linalg.factory.Nd4j;

/** Principal-component projection of hidden states, as DIEN's Figure 3 draws the AUGRU's trajectories. */
public final class Projection {

    private Projection() {
    }

    /**
     * Projects points onto their first two principal components (ND4J's SVD-based PCA after centring).
     *
     * @param points [N][H], N ≥ 2
     * @return [N][2]; the components' signs are arbitrary, as in any PCA
     */
    public static double[][] onto2d(double[][] points) {
        if (points.length < 2) {
            throw new IllegalArgumentException("a projection needs at least 2 points, got " + points.length);
        }
        INDArray x = Nd4j.create(points).castTo(DataType.DOUBLE);              // [N, H]
        INDArray centred = x.subRowVector(x.mean(0));                          // [N, H]
        int dims = (int) Math.min(2, centred.columns());
        // ND4J hands the array to LAPACK's gesvd as it is: a row-major copy gave wrong components (ProjectionTest)
        INDArray factor = PCA.pca_factor(centred.dup('f'), dims, false);      // [H, dims]
        INDArray reduced = centred.mmul(factor);                               // [N, dims]
        double[][] out = new double[points.length][2];
        for (int i = 0; i < points.length; i++) {
            for (int k = 0; k < dims; k++) {
                out[i][k] = reduced.getDouble(i, k);
            }
        }
        return out;
    }
}
