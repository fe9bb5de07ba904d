package io.istream.ops.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ProjectionTest {

    /** Points on a 2-D plane inside 6-D space: the projection keeps every pairwise distance. */
    @Test
    void pointsOnAPlaneKeepTheirDistances() {
        Random random = new Random(3);
        double[] u = {1, 2, 0, -1, 0.5, 0};
        double[] v = {0, 1, -2, 1, 0, 3};
        orthonormalise(u, v);
        double[][] points = new double[30][6];
        for (double[] p : points) {
            double a = random.nextGaussian() * 3;
            double b = random.nextGaussian();
            for (int j = 0; j < 6; j++) {
                p[j] = 5 + a * u[j] + b * v[j];
            }
        }
        double[][] flat = Projection.onto2d(points);
        for (int i = 0; i < points.length; i++) {
            for (int k = i + 1; k < points.length; k++) {
                assertThat(distance(flat[i], flat[k])).isCloseTo(distance(points[i], points[k]), within(1e-4));
            }
        }
    }

    private static void orthonormalise(double[] u, double[] v) {
        scale(u, 1 / norm(u));
        double dot = 0;
        for (int j = 0; j < u.length; j++) {
            dot += u[j] * v[j];
        }
        for (int j = 0; j < u.length; j++) {
            v[j] -= dot * u[j];
        }
        scale(v, 1 / norm(v));
    }

    private static void scale(double[] x, double s) {
        for (int j = 0; j < x.length; j++) {
            x[j] *= s;
        }
    }

    private static double norm(double[] x) {
        return Math.sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2] + x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += (a[j] - b[j]) * (a[j] - b[j]);
        }
        return Math.sqrt(s);
    }
}
