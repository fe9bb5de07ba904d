package io.istream.ops.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.Click;
import io.istream.avro.Impression;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.trainer.dataset.TimedEvent;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScriptRoundsTest {

    @Test
    void roundsHaveTheirOwnUsersItemsRequestIdsAndTime() {
        EventScript base = SyntheticInterests.generate(SyntheticConfig.small().withSize(20, 10)).script();
        ScriptRounds rounds = new ScriptRounds(base, 60_000);
        long start = 1_700_000_000_000L;
        EventScript r0 = rounds.round(0, start);
        EventScript r1 = rounds.round(1, start);

        assertThat(r1.size()).isEqualTo(base.size());
        assertThat(r1.expectedSamples()).isEqualTo(base.expectedSamples());
        assertThat(r0.events().get(0).eventTimeMs()).isEqualTo(start);
        assertThat(r1.events().get(0).eventTimeMs()).isEqualTo(start + rounds.roundSpanMs());
        assertThat(r1.events().get(0).eventTimeMs()).isGreaterThan(r0.events().get(r0.size() - 1).eventTimeMs());

        Set<Long> users0 = new HashSet<>();
        Set<Long> items0 = new HashSet<>();
        Set<String> requests0 = new HashSet<>();
        collect(r0, users0, items0, requests0);
        Set<Long> users1 = new HashSet<>();
        Set<Long> items1 = new HashSet<>();
        Set<String> requests1 = new HashSet<>();
        collect(r1, users1, items1, requests1);
        assertThat(users1).doesNotContainAnyElementsOf(users0).hasSameSizeAs(users0);
        assertThat(items1).doesNotContainAnyElementsOf(items0).hasSameSizeAs(items0);
        assertThat(requests1).doesNotContainAnyElementsOf(requests0).hasSameSizeAs(requests0);
        // the base script is untouched
        assertThat(base.events().get(0).eventTimeMs()).isNotEqualTo(start + rounds.roundSpanMs());
    }

    private static void collect(EventScript script, Set<Long> users, Set<Long> items, Set<String> requests) {
        for (TimedEvent e : script.events()) {
            users.add(e.userId());
            if (e.event() instanceof Impression i) {
                items.add(i.getItemId());
                requests.add(i.getRequestId());
            } else if (e.event() instanceof Click c) {
                requests.add(c.getRequestId());
            }
        }
    }
}
