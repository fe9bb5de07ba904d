package io.istream.scorer.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.api.common.functions.Function;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.junit.jupiter.api.Test;

/** What {@link ScorerJob#main} is given reaches the scorer in the job's graph. */
class ScorerJobMainTest {

    @Test
    void anOptionOnTheCommandLineReachesTheScorer() {
        ScorerFunction scorer = scorer(ScorerJob.prepare(new String[] {"--bootstrap", "127.0.0.1:19092",
            "--conf", "scorer.max-history=7", "--conf", "scorer.interest-cache-users=3"}));
        assertThat(scorer.maxHistory()).isEqualTo(7);
        assertThat(scorer.interestCacheUsers()).isEqualTo(3);
        assertThat(scorer(ScorerJob.prepare(new String[0])).maxHistory())
                .isEqualTo(ScorerOptions.MAX_HISTORY.defaultValue());
    }

    @Test
    void theScorerRefusesOptionsItDoesNotHave() {
        // the model comes from the trainer's FULL updates, so model options belong to the learning job
        assertThatThrownBy(() -> ScorerJob.prepare(new String[] {"--conf", "model.kind=DIN"}))
                .hasMessageContaining("model.kind");
    }

    static ScorerFunction scorer(StreamExecutionEnvironment env) {
        for (StreamNode node : env.getStreamGraph().getStreamNodes()) {
            if (node.getOperatorFactory() instanceof SimpleOperatorFactory<?> factory
                    && factory.getOperator() instanceof AbstractUdfStreamOperator<?, ?> udf) {
                Function f = udf.getUserFunction();
                if (f instanceof ScorerFunction scorer) {
                    return scorer;
                }
            }
        }
        throw new AssertionError("no scorer in the scoring job's graph");
    }
}
