package io.istream.ingestion.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkAlignmentParams;
import org.junit.jupiter.api.Test;

class EventTimeWatermarksTest {

    @Test
    void alignmentIsOnOnlyWithADrift() {
        assertThat(EventTimeWatermarks.strategy(Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ZERO)
                .getAlignmentParameters().isEnabled()).isFalse();

        WatermarkAlignmentParams aligned = EventTimeWatermarks.strategy(Duration.ofMillis(500), Duration.ofSeconds(5),
                Duration.ofDays(1)).getAlignmentParameters();
        assertThat(aligned.isEnabled()).isTrue();
        assertThat(aligned.getMaxAllowedWatermarkDrift()).isEqualTo(Duration.ofDays(1).toMillis());
        assertThat(aligned.getWatermarkGroup()).isEqualTo(EventTimeWatermarks.ALIGNMENT_GROUP);
    }
}
