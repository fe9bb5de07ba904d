package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * Central differences against a backward pass, in double precision (docs/testing.md): ε = 1e-4, relative error
 * below 1e-5 with an absolute floor, every element of every checked tensor.
 */
final class GradientCheck {

    static final double EPSILON = 1e-4;
    static final double MAX_RELATIVE_ERROR = 1e-5;
    static final double ABSOLUTE_FLOOR = 1e-8;

    /** A tensor to perturb and where its analytic gradient will be after {@code backward}. */
    record Checked(String name, Tensor value, Supplier<Tensor> analytic, int limit) {
        Checked(String name, Tensor value, Supplier<Tensor> analytic) {
            this(name, value, analytic, value.size());
        }
    }

    private GradientCheck() {
    }

    /**
     * @param loss     runs the forward pass and returns the scalar loss
     * @param backward runs the backward pass of the last forward (gradients zeroed beforehand by the caller)
     * @return how many elements were compared
     */
    static int check(String what, DoubleSupplier loss, Runnable backward, List<Checked> tensors) {
        loss.getAsDouble();
        backward.run();
        List<double[]> analytic = new ArrayList<>();
        for (Checked c : tensors) {
            analytic.add(c.analytic().get().toDoubleArray());
        }
        int compared = 0;
        double worst = 0;
        String worstAt = "";
        for (int k = 0; k < tensors.size(); k++) {
            Tensor v = tensors.get(k).value();
            double[] a = analytic.get(k);
            assertThat(a).as(what + ": gradient shape of " + tensors.get(k).name()).hasSize(v.size());
            for (int i = 0; i < tensors.get(k).limit(); i++) {
                double saved = v.get(i);
                v.set(i, saved + EPSILON);
                double plus = loss.getAsDouble();
                v.set(i, saved - EPSILON);
                double minus = loss.getAsDouble();
                v.set(i, saved);
                double numeric = (plus - minus) / (2 * EPSILON);
                double error = Math.abs(numeric - a[i]) / Math.max(Math.abs(numeric) + Math.abs(a[i]), ABSOLUTE_FLOOR);
                if (Math.abs(numeric - a[i]) < ABSOLUTE_FLOOR) {
                    error = 0;
                }
                if (error > worst) {
                    worst = error;
                    worstAt = tensors.get(k).name() + "[" + i + "] numeric " + numeric + " analytic " + a[i];
                }
                compared++;
            }
        }
        assertThat(worst).as(what + ": worst relative error at " + worstAt).isLessThan(MAX_RELATIVE_ERROR);
        return compared;
    }

    /** Σ out ⊙ r: a scalar whose gradient with respect to out is r. */
    static double dot(Tensor out, Tensor r) {
        double s = 0;
        for (int i = 0; i < out.size(); i++) {
            s += out.get(i) * r.get(i);
        }
        return s;
    }

    static List<Checked> paramsOf(Layer layer) {
        List<Checked> out = new ArrayList<>();
        for (Param p : layer.params()) {
            out.add(new Checked(p.name(), p.value(), p::grad));
        }
        return out;
    }

    static void zeroGrads(Layer layer) {
        for (Param p : layer.params()) {
            p.grad().zero();
        }
    }
}
