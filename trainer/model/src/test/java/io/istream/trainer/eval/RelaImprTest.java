package io.istream.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RelaImprTest {

    @Test
    void measuresTheGainAboveChanceRelativeToTheBase() {
        assertThat(RelaImpr.of(0.7, 0.6)).isCloseTo(1.0, within(1e-12));     // 0.2 / 0.1 − 1
        assertThat(RelaImpr.of(0.6, 0.6)).isCloseTo(0.0, within(1e-12));
        assertThat(RelaImpr.of(0.55, 0.6)).isCloseTo(-0.5, within(1e-12));
        assertThat(RelaImpr.of(0.8818, 0.8624)).isCloseTo(0.3818 / 0.3624 - 1, within(1e-12));
        assertThat(RelaImpr.of(Double.NaN, 0.6)).isNaN();
    }

    @Test
    void isUndefinedAgainstABaseAtChance() {
        assertThatThrownBy(() -> RelaImpr.of(0.7, 0.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
