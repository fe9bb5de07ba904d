package io.istream.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LiveMetricsTest {
    @Test
    void reasonGroupsBecomePartOfTheName() {
        assertThat(LiveMetrics.nameOf("istream.ingestion.reason.BAD_HEADER.deadLetters"))
                .isEqualTo("istream.ingestion.deadLetters[BAD_HEADER]");
        assertThat(LiveMetrics.nameOf("istream.features.samplesOut")).isEqualTo("istream.features.samplesOut");
    }
}
