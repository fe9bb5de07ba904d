package io.istream.trainer.model;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * A dense parameter: its value and the gradient that backward passes accumulate into ({@code +=}).
 *
 * @param name  stable name, used by model files and model updates (for example {@code head.fc1.W})
 * @param value the parameter
 * @param grad  dL/d(value), same shape; zeroed by the optimiser after each step
 */
public record Param(String name, Tensor value, Tensor grad) {

    public static Param zeros(String name, DataType type, int rows, int cols) {
        return new Param(name, Tensor.zeros(type, rows, cols), Tensor.zeros(type, rows, cols));
    }

    public int rows() {
        return value.rows;
    }

    public int cols() {
        return value.cols;
    }
}
