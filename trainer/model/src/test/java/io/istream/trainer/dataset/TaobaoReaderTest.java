package io.istream.trainer.dataset;

import io.istream.trainer.testing.SharedData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.avro.BehaviorType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaobaoReaderTest {

    @TempDir
    Path dir;

    @Test
    void mapsBehaviorsKeepsIdsAndSortsEachUserByTime() throws IOException {
        Path file = dir.resolve("UserBehavior.csv");
        Files.writeString(file, String.join("\n",
                "1,2268318,2520377,pv,1511544070",
                "1,2333346,2520771,cart,1511544000",
                "1,2576651,149192,fav,1511544070",
                "100,4365585,2520377,buy,1511596146") + "\n");

        InteractionLog log = TaobaoReader.read(file, ReadOptions.all());

        assertThat(log.name()).isEqualTo("UserBehavior");
        assertThat(log.sequence(0)).containsExactly(
                Interaction.unrated(1, 2333346, 2520771, 1_511_544_000_000L, BehaviorType.CART),
                Interaction.unrated(1, 2268318, 2520377, 1_511_544_070_000L, BehaviorType.CLICK),
                Interaction.unrated(1, 2576651, 149192, 1_511_544_070_000L, BehaviorType.FAV));
        assertThat(log.sequence(1)).containsExactly(
                Interaction.unrated(100, 4365585, 2520377, 1_511_596_146_000L, BehaviorType.BUY));
        assertThat(TaobaoReader.read(dir, ReadOptions.all()).interactions()).as("directory form").isEqualTo(4);
    }

    @Test
    void unknownBehaviorNamesFileAndLine() throws IOException {
        Path file = dir.resolve("UserBehavior.csv");
        Files.writeString(file, "1,2,3,pv,1511544070\n1,2,3,like,1511544071\n");

        assertThatThrownBy(() -> TaobaoReader.read(file, ReadOptions.all()))
                .isInstanceOf(MalformedRowException.class)
                .hasMessageContaining("UserBehavior.csv:2: unknown behavior 'like'");
    }

    @Test
    void directoryWithSeveralCandidateFilesIsAmbiguous() throws IOException {
        Files.writeString(dir.resolve("UserBehavior_a.csv"), "1,2,3,pv,1\n");
        Files.writeString(dir.resolve("UserBehavior_b.csv"), "1,2,3,pv,1\n");

        assertThatThrownBy(() -> TaobaoReader.read(dir, ReadOptions.all())).hasMessageContaining("expected one UserBehavior*.csv");
    }

    @Test
    void readsTheTaobaoPrefix() {
        Path taobao = SharedData.dataset(SharedData.TAOBAO_SAMPLE);

        InteractionLog log = TaobaoReader.read(taobao, ReadOptions.all());

        assertThat(log.interactions()).isEqualTo(4_321);
        assertThat(log.users()).isEqualTo(43);
        assertThat(log.items()).isEqualTo(3_276);
        assertThat(log.categories()).isEqualTo(567);
        Map<BehaviorType, Long> byType = log.rows().stream()
                .collect(Collectors.groupingBy(Interaction::type, Collectors.counting()));
        assertThat(byType).containsExactlyInAnyOrderEntriesOf(Map.of(
                BehaviorType.CLICK, 3_926L, BehaviorType.CART, 190L, BehaviorType.FAV, 128L, BehaviorType.BUY, 77L));
        assertThat(log.sequence(0).get(0)).isEqualTo(
                Interaction.unrated(1, 2268318, 2520377, 1_511_544_070_000L, BehaviorType.CLICK));
        assertThat(log.sequences()).extracting(s -> s.get(0).userId()).startsWith(1L, 100L, 1000L, 1000001L);
    }

    @Test
    void maxUsersStopsAtTheNextUserOfTheTaobaoPrefix() {
        Path taobao = SharedData.dataset(SharedData.TAOBAO_SAMPLE);

        InteractionLog all = TaobaoReader.read(taobao, ReadOptions.all());
        InteractionLog first = TaobaoReader.read(taobao, ReadOptions.firstUsers(3));

        assertThat(first.users()).isEqualTo(3);
        assertThat(first.rows()).isEqualTo(all.rows().subList(0, first.interactions()));
        assertThat(first.rows().stream().map(Interaction::userId).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(1L, 100L, 1000L);
        assertThat(first.interactions())
                .isEqualTo(all.sequence(0).size() + all.sequence(1).size() + all.sequence(2).size());
    }
}
