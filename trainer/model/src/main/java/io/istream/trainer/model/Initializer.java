package io.istream.trainer.model;

import java.util.SplittableRandom;

/** Seeded parameter initialisation, so that a model is a pure function of its config and seed. */
public final class Initializer {

    private final long seed;
    private final SplittableRandom random;

    public Initializer(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /**
     * An initialiser of its own for one key (an embedding row of one id): its draws depend on the seed and the key
     * only, never on how many rows were drawn before. A trainer restored from a checkpoint, or a replica, gives a
     * newly admitted id the same initial row as one that never stopped.
     */
    public Initializer forKey(String space, long key) {
        long h = seed ^ 0x9E3779B97F4A7C15L * (space.hashCode() + 1L);
        h ^= key * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 27;
        return new Initializer(h);
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
