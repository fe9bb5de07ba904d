package io.istream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopicsTest {
    @Test
    void everyTopicHasAUniqueNameAndADescription() {
        Set<String> names = new HashSet<>();
        for (Topic<?> topic : Topics.ALL) {
            assertThat(names.add(topic.name())).as("duplicate topic %s", topic.name()).isTrue();
            assertThat(topic.description()).isNotBlank();
            assertThat(Topics.byName(topic.name())).containsSame(topic);
        }
        assertThat(Topics.ALL).containsAll(Topics.INPUT_EVENTS);
    }

    @Test
    void userKeysRoundTrip() {
        assertThat(KeyCodec.userIdOf(KeyCodec.userKey(123_456_789_012L))).isEqualTo(123_456_789_012L);
        assertThat(KeyCodec.userIdOf(new byte[3])).isNull();
    }
}
