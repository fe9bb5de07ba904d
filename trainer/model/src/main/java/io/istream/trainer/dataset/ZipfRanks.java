package io.istream.trainer.dataset;

import java.util.SplittableRandom;

/** Draws a rank 0..n-1 with P(r) ∝ 1 / (r + 1)^s: the long-tailed popularity of items within a category. */
final class ZipfRanks {

    private final double[] cumulative;   // [n] cumulative unnormalised weights

    ZipfRanks(int n, double exponent) {
        cumulative = new double[n];
        double total = 0;
        for (int r = 0; r < n; r++) {
            total += 1.0 / Math.pow(r + 1, exponent);
            cumulative[r] = total;
        }
    }

    int sample(SplittableRandom random) {
        double u = random.nextDouble() * cumulative[cumulative.length - 1];
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > u) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
