package io.istream.scorer.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The TTL configuration of the scorer's per-user state (bounded memory on an endless stream of new users); 0 turns
 * it off. That the behaviours really expire is {@link ScorerFunctionHarnessTest}'s to prove.
 */
class ScorerStateTtlTest {

    @Test
    void theTtlConfigurationExpiresOnWriteAndNeverReturnsExpired() {
        var descriptor = ScorerFunction.withTtl(new ValueStateDescriptor<>("x", Types.INT), 90_000);
        StateTtlConfig ttl = descriptor.getTtlConfig();
        assertThat(ttl.isEnabled()).isTrue();
        assertThat(ttl.getTimeToLive()).isEqualTo(Duration.ofSeconds(90));
        assertThat(ttl.getUpdateType()).isEqualTo(StateTtlConfig.UpdateType.OnCreateAndWrite);
        assertThat(ttl.getStateVisibility()).isEqualTo(StateTtlConfig.StateVisibility.NeverReturnExpired);
        assertThat(ttl.getCleanupStrategies().inRocksdbCompactFilter()).isTrue();
    }

    @Test
    void zeroMeansNoTtl() {
        var descriptor = ScorerFunction.withTtl(new ValueStateDescriptor<>("x", Types.INT), 0);
        assertThat(descriptor.getTtlConfig().isEnabled()).isFalse();
    }

    @Test
    void theDefaultIsThirtyDays() {
        assertThat(new Configuration().get(ScorerOptions.USER_TTL)).isEqualTo(Duration.ofDays(30));
    }
}
