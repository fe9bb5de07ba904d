package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.istream.trainer.data.Batch;
import io.istream.trainer.data.Batches;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs only on ND4J's CUDA backend: {@code mvn -Dcuda -pl trainer test} on a machine with an NVIDIA GPU. The CPU
 * build (CI, this project's default) skips it. On the CUDA build the rest of the trainer's suite runs on the GPU too;
 * this class checks what is particular to it: that a device is really there, that a product through the BLAS path
 * and a prepared per-step product read the tensors' current host values after device work (the tensors' element
 * loops read host memory), and that training steps on the reference-size shapes stay finite and change the model.
 */
class CudaBackendTest {

    @BeforeEach
    void onlyOnTheCudaBackend() {
        assumeFalse(Nd4j.getEnvironment().isCPU(),
                "ND4J runs its CPU backend; this test needs the CUDA build (mvn -Dcuda) on a machine with a GPU");
    }

    @Test
    void aGpuIsThereAndProductsAgreeWithTheReference() {
        assertThat(Nd4j.getAffinityManager().getNumberOfDevices()).as("CUDA devices").isPositive();
        Initializer init = new Initializer(5);
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            Tensor a = Tensor.zeros(type, 108, 36);
            Tensor b = Tensor.zeros(type, 36, 128);
            Tensor c = Tensor.zeros(type, 108, 128);
            Tensor expected = Tensor.zeros(type, 108, 128);
            Gemm.Plan plan = Gemm.plan(a, false, b, false, c);
            for (int round = 0; round < 3; round++) {
                // new host values each round: the planned product must see them, and its result must be readable
                init.normal(a, 1);
                init.normal(b, 1);
                plan.run();
                Gemm.reference(a, false, b, false, expected, 1.0, 0.0);
                double tolerance = type == DataType.DOUBLE ? 1e-10 : 1e-4;
                assertThat(c.toDoubleArray()).as(type + " round " + round)
                        .containsExactly(expected.toDoubleArray(), within(tolerance));
                Gemm.gemm(a, false, b, false, c, 0.5, 0.0);
                assertThat(c.get(0)).isCloseTo(0.5 * expected.get(0), within(tolerance));
            }
        }
    }

    @Test
    void referenceSizeTrainingStepsStayFiniteAndMoveTheModel() {
        Batch batch = Batches.synthetic(128, 100, true, 50_000, 800, 1);
        CtrModel model = new CtrModel(ModelConfig.paper(ModelKind.DIEN).build(), OptimizerKind.ADAM.slots());
        Optimizer optimizer = new Optimizer(OptimizerConfig.adam(1e-3), model);
        double first = Double.NaN;
        double[] before = null;
        for (int step = 0; step < 5; step++) {
            double loss = model.forward(batch, true);
            assertThat(loss).as("loss at step " + step).isFinite();
            model.backward();
            assertThat(optimizer.gradientsFinite()).isTrue();
            if (step == 0) {
                first = loss;
                before = model.params().get(0).value().toDoubleArray();
            }
            optimizer.step();
        }
        assertThat(model.params().get(0).value().toDoubleArray()).isNotEqualTo(before);
        assertThat(model.forward(batch, true)).as("the same batch after 5 steps").isLessThan(first);
    }
}
