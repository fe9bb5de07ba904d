package io.istream.trainer.model;

import java.util.concurrent.atomic.LongAdder;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * C = α·op(A)·op(B) + β·C into a preallocated C, where op(X) is X or Xᵀ: the only place the model multiplies
 * matrices. {@link #reference} is the plain-Java kernel the optimised one is tested against.
 */
public final class Gemm {

    // 2·m·n·k of every product since start, for benchmarks' achieved GFLOP/s (GRU ranges may run on two threads)
    private static final LongAdder FLOPS = new LongAdder();

    private Gemm() {
    }

    /** The common size k of op(A) [m, k] and op(B) [k, n], after checking that C is [m, n]. */
    private static int innerSize(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c) {
        int m = transposeA ? a.cols : a.rows;
        int k = transposeA ? a.rows : a.cols;
        int kb = transposeB ? b.cols : b.rows;
        int n = transposeB ? b.rows : b.cols;
        if (k != kb || c.rows != m || c.cols != n) {
            throw new IllegalArgumentException("gemm shapes: op(A) [" + m + ", " + k + "] op(B) [" + kb + ", " + n
                    + "] C " + c);
        }
        return k;
    }

    public static void gemm(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c,
                            double alpha, double beta) {
        int k = innerSize(a, transposeA, b, transposeB, c);
        int m = c.rows;
        int n = c.cols;
        if (m == 0 || n == 0) {
            return;
        }
        FLOPS.add(2L * m * n * k);
        if (k == 0) {
            // ND4J cannot multiply empty matrices; α·0 + β·C is all that is left.
            scale(c, beta);
            return;
        }
        // ~50 µs a call at the per-step GRU shape [128,36]×[36,108]: the same through Level3 as through Nd4j.gemm
        Nd4j.gemm(a.array, b.array, c.array, transposeA, transposeB, alpha, beta);
    }

    /**
     * C = op(A)·op(B) prepared for running again and again on the same tensors, as a GRU's per-step product is:
     * ND4J's op and its context are built once instead of at every call. At [108, 36]·[36, 128] a run takes about
     * 18 µs against 27 µs for {@link #multiply} (one thread, this machine); the product is bit-identical.
     */
    public static Plan plan(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c) {
        return new Plan(a, transposeA, b, transposeB, c);
    }

    /** A prepared product; see {@link #plan}. Reads the tensors' current contents at every {@link #run}. */
    public static final class Plan {
        private final Tensor a;
        private final boolean transposeA;
        private final Tensor b;
        private final boolean transposeB;
        private final Tensor c;
        private final long flops;
        private final Mmul op;             // null when a dimension is 0: run falls back to gemm
        private final OpContext context;
        // on the CPU backend the prepared context goes straight to libnd4j: the executioner's profiling hooks
        // allocate lists on every call (half of a scoring request's garbage) and cost ~1.3 µs of a 27 µs product
        private final NativeOps nativeOps; // null: through the executioner (CUDA must sync device buffers)
        private final long opHash;

        private Plan(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c) {
            int k = innerSize(a, transposeA, b, transposeB, c);
            int m = c.rows;
            int n = c.cols;
            this.a = a;
            this.transposeA = transposeA;
            this.b = b;
            this.transposeB = transposeB;
            this.c = c;
            this.flops = 2L * m * n * k;
            if (m == 0 || n == 0 || k == 0) {
                op = null;
                context = null;
                nativeOps = null;
                opHash = 0;
            } else {
                op = new Mmul(a.array, b.array, c.array, 1.0, 0.0,
                        MMulTranspose.builder().transposeA(transposeA).transposeB(transposeB).build());
                context = Nd4j.getExecutioner().buildContext();
                context.setInputArrays(a.array, b.array);
                context.setOutputArrays(c.array);
                context.setIArguments(op.iArgs());
                context.setTArguments(op.tArgs());
                boolean cpu = Nd4j.getExecutioner().type() == OpExecutioner.ExecutionerType.NATIVE_CPU;
                nativeOps = cpu ? NativeOpsHolder.getInstance().getDeviceNativeOps() : null;
                opHash = op.opHash();
            }
        }

        /** Whether this plan multiplies exactly these tensors this way. */
        public boolean isFor(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c) {
            return this.a == a && this.transposeA == transposeA && this.b == b && this.transposeB == transposeB
                    && this.c == c;
        }

        /** C = op(A)·op(B) with the tensors' current contents. */
        public void run() {
            if (op == null) {
                multiply(a, transposeA, b, transposeB, c);
                return;
            }
            FLOPS.add(flops);
            if (nativeOps == null) {
                Nd4j.getExecutioner().exec(op, context);
                return;
            }
            int status = nativeOps.execCustomOp2(null, opHash, context.contextPointer());
            if (status != 0) {
                throw new IllegalStateException("mmul " + a + (transposeA ? "ᵀ" : "") + " · " + b
                        + (transposeB ? "ᵀ" : "") + " → " + c + " failed (status " + status + "): "
                        + nativeOps.lastErrorMessage());
            }
        }
    }

    /** Floating-point operations of all products so far (2·m·n·k each). */
    public static long flops() {
        return FLOPS.sum();
    }

    /** C = op(A)·op(B). */
    public static void multiply(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c) {
        gemm(a, transposeA, b, transposeB, c, 1.0, 0.0);
    }

    /** C += op(A)·op(B): how gradients accumulate. */
    public static void multiplyAdd(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c) {
        gemm(a, transposeA, b, transposeB, c, 1.0, 1.0);
    }

    /** The same contract in plain Java loops, for tests of the optimised kernel. */
    public static void reference(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c,
                                 double alpha, double beta) {
        int m = transposeA ? a.cols : a.rows;
        int k = transposeA ? a.rows : a.cols;
        int n = transposeB ? b.rows : b.cols;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    double av = transposeA ? a.get(p, i) : a.get(i, p);
                    double bv = transposeB ? b.get(j, p) : b.get(p, j);
                    sum += av * bv;
                }
                c.set(i, j, alpha * sum + (beta == 0 ? 0 : beta * c.get(i, j)));
            }
        }
    }

    private static void scale(Tensor c, double beta) {
        int size = c.size();
        for (int i = 0; i < size; i++) {
            c.set(i, beta == 0 ? 0 : beta * c.get(i));
        }
    }
}
