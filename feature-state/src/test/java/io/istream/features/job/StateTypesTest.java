package io.istream.features.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.istream.features.join.PendingImpression;
import io.istream.features.join.UserJoinState;
import io.istream.features.sequence.BehaviorSequence;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** Every stored type serialises without Kryo (STYLE: a List<Pojo> field would silently fall back to it). */
class StateTypesTest {
    @Test
    void keyedStateTypesArePojosAndRoundTripWithGenericTypesDisabled() throws Exception {
        SerializerConfigImpl noKryo = new SerializerConfigImpl();
        noKryo.setGenericTypes(false);

        BehaviorSequence sequence = new BehaviorSequence();
        sequence.insert(5, 6, (byte) 2, 1000);
        sequence.expiryTimerMs = 99;
        BehaviorSequence sequenceCopy = roundTrip(BehaviorSequence.class, sequence, noKryo);
        assertThat(sequenceCopy.itemIds).containsExactly(5);
        assertThat(sequenceCopy.expiryTimerMs).isEqualTo(99);

        UserJoinState join = new UserJoinState();
        PendingImpression p = new PendingImpression("r1", 5, 6, 1000);
        p.page = "home";
        join.pending = new PendingImpression[] {p};
        join.shownNotClickedItems = new long[] {9};
        join.shownNotClickedCategories = new long[] {3};
        UserJoinState joinCopy = roundTrip(UserJoinState.class, join, noKryo);
        assertThat(joinCopy.pending).singleElement().satisfies(q -> {
            assertThat(q.joinKey()).isEqualTo("r1/5");
            assertThat(q.page).isEqualTo("home");
        });
        assertThat(joinCopy.shownNotClickedItems).containsExactly(9);
    }

    private static <T> T roundTrip(Class<T> type, T value, SerializerConfigImpl config) throws Exception {
        TypeInformation<T> info = TypeInformation.of(type);
        assertThat(info).isInstanceOf(PojoTypeInfo.class);
        assertThatCode(() -> info.createSerializer(config)).doesNotThrowAnyException();
        TypeSerializer<T> serializer = info.createSerializer(config);
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(value, out);
        return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}
