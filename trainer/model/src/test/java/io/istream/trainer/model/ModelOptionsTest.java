package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelOptionsTest {

    @Test
    void noValuesGiveTheShippedDefaults() {
        assertThat(ModelOptions.model(Map.of())).isEqualTo(ModelConfig.defaults(ModelKind.DIEN));
        assertThat(ModelOptions.optimizer(Map.of())).isEqualTo(OptimizerConfig.defaults());
        assertThat(ModelOptions.model(Map.of("model.kind", "din"))).isEqualTo(ModelConfig.defaults(ModelKind.DIN));
        assertThat(ModelOptions.model(Map.of("model.kind", "din", "model.form", "paper")))
                .isEqualTo(ModelConfig.paper(ModelKind.DIN).build());
    }

    @Test
    void everyOptionWritesWhatItReads() {
        ModelConfig config = ModelConfig.paper(ModelKind.DIEN).embeddingDim(7).hiddenSize(9).headHidden(30, 20)
                .headActivation(ActivationKind.PRELU).headInputs(EnumSet.allOf(HeadInput.class))
                .attentionHidden(11, 5).attentionActivation(ActivationKind.SIGMOID).dinSoftmax(true)
                .attention(AttentionKind.FFN).evolvingCell(CellKind.AGRU).auxWeight(0.3).auxHidden(13, 6)
                .userEmbedding(true).admitAfter(3).expireAfterMs(90_000).embeddingInitStd(0.05).seed(77).build();
        OptimizerConfig optimizer = OptimizerConfig.defaults().toBuilder().kind(OptimizerKind.ADAGRAD)
                .learningRate(0.02).beta1(0.5).regularization(RegularizationKind.L2).lambda(0.7).denseL2(1e-4).build();
        Map<String, String> values = ModelOptions.values(config, optimizer, ModelOptions.Form.PAPER);
        assertThat(values.keySet()).containsExactlyElementsOf(ModelOptions.keys());
        assertThat(ModelOptions.model(values)).isEqualTo(config);
        assertThat(ModelOptions.optimizer(values)).isEqualTo(optimizer);
        assertThat(ModelOptions.descriptions().keySet()).containsExactlyElementsOf(ModelOptions.keys());
    }

    @Test
    void learningRateFollowsAChangeBetweenAdamAndAdagradUnlessSet() {
        // Adam from the offline defaults to Adagrad: Adagrad's η and ε
        assertThat(ModelOptions.optimizer(Map.of("optimizer.kind", "ADAGRAD")))
                .extracting(OptimizerConfig::learningRate, OptimizerConfig::epsilon)
                .containsExactly(OptimizerConfig.ADAGRAD_LEARNING_RATE, 1e-7);
        // and back to Adam: Adam's, not Adagrad's 0.02
        OptimizerConfig adagrad = OptimizerConfig.of(OptimizerKind.ADAGRAD, 0.02);
        assertThat(ModelOptions.optimizer(Map.of("optimizer.kind", "ADAM"), adagrad))
                .extracting(OptimizerConfig::learningRate, OptimizerConfig::epsilon)
                .containsExactly(OptimizerConfig.ADAM_LEARNING_RATE, 1e-8);
        // naming the rule the defaults already have keeps their η (the learning job's Adam at 3e-3)
        assertThat(ModelOptions.optimizer(Map.of("optimizer.kind", "ADAM"), OptimizerConfig.streamingDefaults())
                .learningRate()).isEqualTo(OptimizerConfig.STREAMING_LEARNING_RATE);
        // a given η stays, whichever order the keys come in
        assertThat(ModelOptions.optimizer(Map.of("optimizer.learning-rate", "0.05", "optimizer.kind", "ADAGRAD"))
                .learningRate()).isEqualTo(0.05);
        // SGD keeps the η it had
        assertThat(ModelOptions.optimizer(Map.of("optimizer.kind", "SGD")).learningRate())
                .isEqualTo(OptimizerConfig.defaults().learningRate());
    }

    @Test
    void valuesAreParsedStrictlyAndErrorsNameTheOption() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("model.kind", "dien");
        values.put("model.evolving-cell", "augru-reference");
        values.put("model.head-inputs", "interest-state, attention_pooling");
        values.put("model.expire-after", "2d");
        values.put("trainer.batch-size", "64");   // another job's option: not this catalogue's business
        ModelConfig config = ModelOptions.model(values);
        assertThat(config.evolvingCell()).isEqualTo(CellKind.AUGRU_REFERENCE);
        assertThat(config.headInputs()).containsExactlyInAnyOrder(HeadInput.INTEREST_STATE,
                HeadInput.ATTENTION_POOLING);
        assertThat(config.expireAfterMs()).isEqualTo(2 * 86_400_000L);
        assertThatThrownBy(() -> ModelOptions.model(Map.of("model.hidden", "40")))
                .hasMessageContaining("unknown option model.hidden").hasMessageContaining("model.hidden-size");
        assertThatThrownBy(() -> ModelOptions.model(Map.of("model.din-softmax", "yes")))
                .hasMessageContaining("model.din-softmax").hasMessageContaining("true or false");
        assertThatThrownBy(() -> ModelOptions.model(Map.of("model.kind", "base", "model.head-inputs",
                "attention-pooling"))).hasMessageContaining("SUM_POOLING alone");
        assertThatThrownBy(() -> ModelOptions.optimizer(Map.of("optimizer.learning-rate", "-1")))
                .hasMessageContaining("learning rate");
        assertThat(ModelOptions.optimizer(Map.of("optimizer.beta1", "0.5")).beta1()).isEqualTo(0.5);
        assertThatThrownBy(() -> ModelOptions.optimizer(Map.of("optimizer.beta1", "1")))
                .hasMessageContaining("β₁");
        assertThat(ModelOptions.parseDurationMs("250")).isEqualTo(250);
        assertThat(ModelOptions.parseDurationMs("1.5 s")).isEqualTo(1_500);
        assertThat(ModelOptions.parseDurationMs("5min")).isEqualTo(300_000);
    }

    @Test
    void describeMarksWhatDiffersFromTheDefault() {
        ModelConfig din = ModelConfig.builder(ModelKind.DIN).embeddingDim(12).build();
        String text = ModelOptions.describe(din, OptimizerConfig.defaults(), ModelOptions.Form.DEFAULT);
        assertThat(text).contains("model.kind").contains("DIN   (default DIEN)");
        assertThat(text).containsPattern("model.embedding-dim\\s+12\\s+\\(default 18\\)");
        assertThat(text).containsPattern("model.hidden-size\\s+36\\n");
    }
}
