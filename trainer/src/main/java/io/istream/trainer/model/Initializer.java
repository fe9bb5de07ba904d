package io.istream.trainer.model;

import java.util.SplittableRandom;

/** Seeded parameter initialisation, so that a model is a pure function of its config and seed. */
public final class Initializer {

    private final SplittableRandom random;

    public Initializer(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Glorot/Xavier uniform: U(−√(6/(fanIn+fanOut)), +√(6/(fanIn+fanOut))). */
    public void glorot(Tensor t, int fanIn, int fanOut) {
        uniform(t, Math.sqrt(6.0 / (fanIn + fanOut)));
    }

    public void uniform(Tensor t, double limit) {
        int n = t.size();
        for (int i = 0; i < n; i++) {
            t.set(i, (2 * random.nextDouble() - 1) * limit);
        }
    }

    public void normal(Tensor t, double std) {
        int n = t.size();
        for (int i = 0; i < n; i++) {
            t.set(i, gaussian() * std);
        }
    }

    public double gaussian() {
        // Box–Muller; one draw wasted, which keeps the stream simple to reason about
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
