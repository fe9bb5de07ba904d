package io.istream.trainer.model;

import java.util.List;

/**
 * What every layer shares: its parameters. Each layer has its own {@code forward}/{@code backward} pair; forward keeps
 * what backward needs, and backward accumulates ({@code +=}) into the parameters' gradients and returns the gradient
 * of its input in a tensor the layer owns (valid until its next call).
 */
public interface Layer {

    List<Param> params();
}
