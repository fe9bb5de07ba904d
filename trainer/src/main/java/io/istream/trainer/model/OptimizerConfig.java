package io.istream.trainer.model;

import java.util.Objects;

/**
 * @param kind            SGD, Adagrad or Adam
 * @param learningRate    η
 * @param beta1           Adam β₁
 * @param beta2           Adam β₂
 * @param epsilon         Adam/Adagrad ε
 * @param regularization  embedding regulariser
 * @param lambda          λ of the embedding regulariser (the DIN paper uses 0.01 for MBA)
 * @param denseL2         plain L2 on dense weights (0 = none)
 */
public record OptimizerConfig(OptimizerKind kind, double learningRate, double beta1, double beta2, double epsilon,
                              RegularizationKind regularization, double lambda, double denseL2)
        implements java.io.Serializable {

    public OptimizerConfig {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(regularization, "regularization");
        if (!(learningRate > 0) || lambda < 0 || denseL2 < 0) {
            throw new IllegalArgumentException("optimiser config: learning rate > 0, λ ≥ 0, dense L2 ≥ 0");
        }
    }

    /** Adam with lr 1e-3, no regularisation: the papers' reference setting. */
    public static OptimizerConfig adam(double learningRate) {
        return new OptimizerConfig(OptimizerKind.ADAM, learningRate, 0.9, 0.999, 1e-8, RegularizationKind.NONE, 0, 0);
    }

    public static OptimizerConfig of(OptimizerKind kind, double learningRate) {
        return new OptimizerConfig(kind, learningRate, 0.9, 0.999, kind == OptimizerKind.ADAGRAD ? 1e-7 : 1e-8,
                RegularizationKind.NONE, 0, 0);
    }

    public OptimizerConfig withRegularization(RegularizationKind kind, double lambdaValue) {
        return new OptimizerConfig(this.kind, learningRate, beta1, beta2, epsilon, kind, lambdaValue, denseL2);
    }

    public OptimizerConfig withDenseL2(double l2) {
        return new OptimizerConfig(kind, learningRate, beta1, beta2, epsilon, regularization, lambda, l2);
    }
}
