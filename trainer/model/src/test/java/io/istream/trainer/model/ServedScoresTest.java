package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.istream.trainer.data.Batch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The streaming trainer's SERVED prequential score taken from the training forward
 * ({@link CtrModel#forwardTrainingAndServed}): for samples whose ids are all admitted it is the inference forward's
 * score, and the training pass it rides on is the plain one, bit for bit.
 */
class ServedScoresTest {

    private static final int[] LENGTHS = {5, 3, 1, 0, 2};

    /** Admits items 1..12, categories 1..4 and users 1..5, and moves Dice's moving statistics off their start. */
    private static void warm(CtrModel model) {
        Batch vocabulary = new Batch(12, 1);
        for (int s = 0; s < 12; s++) {
            vocabulary.userId[s] = 1 + s % 5;
            vocabulary.sampleKey[s] = vocabulary.userId[s];
            vocabulary.targetItem[s] = 1 + s;
            vocabulary.targetCategory[s] = TestBatches.categoryOf(1 + s);
            vocabulary.label[s] = s % 2;
        }
        for (int i = 0; i < 5; i++) {
            model.forward(vocabulary, true);
            model.forward(TestBatches.batch(5, 5, LENGTHS, 5), true);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.istream.trainer.model.ModelGradientTest#variants")
    void servedScoresOfAdmittedSamplesAreTheInferenceScoresAndTrainingIsUnchanged(String name,
                                                                                   ModelConfig config) {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            CtrModel riding = new CtrModel(config.toBuilder().dataType(type).build());
            CtrModel plain = new CtrModel(config.toBuilder().dataType(type).build());
            warm(riding);
            warm(plain);
            Batch mixed = TestBatches.batch(5, 5, LENGTHS, 6);
            mixed.targetItem[1] = 101;                   // a candidate never seen
            mixed.targetItem[3] = 103;                   // the same, on a sample without history
            mixed.historyItem[4 * mixed.steps + 1] = 204;   // a behaviour never seen (sample 4 has 2 steps)

            riding.forward(mixed, false);
            double[] inference = riding.probabilities().clone();
            plain.forward(mixed, false);
            assertThat(riding.samplesWithUnadmittedIds(mixed)).as(name).containsExactly(1, 3, 4);

            double lossRiding = riding.forwardTrainingAndServed(mixed);
            double[] served = riding.servedProbabilities().clone();
            riding.backward();
            double lossPlain = plain.forward(mixed, true);
            plain.backward();

            double tolerance = type == DataType.DOUBLE ? 1e-12 : 1e-6;
            for (int s : new int[] {0, 2}) {
                assertThat(served[s]).as(name + " " + type + " sample " + s).isCloseTo(inference[s], within(tolerance));
            }
            assertThat(lossRiding).as(name + " " + type + ": the training loss").isEqualTo(lossPlain);
            assertThat(riding.probabilities()).isEqualTo(plain.probabilities());
            for (int i = 0; i < riding.params().size(); i++) {
                assertThat(riding.params().get(i).grad().toDoubleArray()).as(riding.params().get(i).name())
                        .isEqualTo(plain.params().get(i).grad().toDoubleArray());
            }
            for (int i = 0; i < riding.tables().size(); i++) {
                assertThat(ModelGradientTest.dense(riding.tables().get(i), riding.sparseGradients().get(i))
                        .toDoubleArray()).as(riding.tables().get(i).name)
                        .isEqualTo(ModelGradientTest.dense(plain.tables().get(i), plain.sparseGradients().get(i))
                                .toDoubleArray());
            }
        }
    }
}
