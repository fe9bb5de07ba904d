package io.istream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.avro.Impression;
import io.istream.avro.ImpressionContext;
import io.istream.avro.ScoreRequest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class AvroCodecTest {
    private final AvroCodec<Impression> impressions = AvroCodec.of(Impression.class);

    private static Impression impression() {
        return Impression.newBuilder().setRequestId("r-1").setUserId(7).setItemId(11).setCategoryId(3)
                .setEventTimeMs(1_700_000_000_000L)
                .setContext(ImpressionContext.newBuilder().setPosition(2).setPage("home").build()).build();
    }

    @Test
    void roundTripsAndMatchesAvrosOwnSingleObjectEncoding() throws Exception {
        byte[] ours = impressions.encode(impression());
        assertThat(impressions.decode(ours)).isEqualTo(impression());
        byte[] avros = impression().toByteBuffer().array();
        assertThat(ours).isEqualTo(Arrays.copyOf(avros, impression().toByteBuffer().remaining()));
        assertThat(Impression.fromByteBuffer(ByteBuffer.wrap(ours))).isEqualTo(impression());
    }

    @Test
    void recordWrittenWithTheOlderSchemaDecodesWithTheNewerOne() throws Exception {
        Schema v1;
        try (InputStream in = AvroCodec.class.getResourceAsStream("history/Impression.v1.avsc")) {
            v1 = new Schema.Parser().parse(in);
        }
        assertThat(v1.getField("context")).as("v1 predates the context field").isNull();
        GenericRecord old = new GenericData.Record(v1);
        old.put("requestId", "r-old");
        old.put("userId", 5L);
        old.put("itemId", 6L);
        old.put("categoryId", 8L);
        old.put("eventTimeMs", 1_600_000_000_000L);
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old).array();

        Impression decoded = impressions.decode(bytes);

        assertThat(impressions.knownVersions()).isEqualTo(2);
        assertThat(decoded.getRequestId()).isEqualTo("r-old");
        assertThat(decoded.getUserId()).isEqualTo(5L);
        assertThat(decoded.getEventTimeMs()).isEqualTo(1_600_000_000_000L);
        assertThat(decoded.getContext()).as("added field takes its default").isNull();
    }

    @Test
    void eachKindOfCorruptInputGetsItsOwnReason() {
        byte[] good = impressions.encode(impression());
        assertReason(new byte[0], DeadLetterReason.EMPTY_RECORD);
        assertReason(null, DeadLetterReason.EMPTY_RECORD);
        assertReason("hello, world".getBytes(), DeadLetterReason.BAD_HEADER);
        byte[] wrongFingerprint = good.clone();
        wrongFingerprint[5] ^= 0x55;
        assertReason(wrongFingerprint, DeadLetterReason.UNKNOWN_SCHEMA);
        assertReason(Arrays.copyOf(good, good.length - 3), DeadLetterReason.MALFORMED_AVRO);
        byte[] trailing = Arrays.copyOf(good, good.length + 2);
        assertReason(trailing, DeadLetterReason.TRAILING_BYTES);
        // a ScoreRequest is a valid record, but not an Impression: its fingerprint is unknown here
        byte[] other = AvroCodec.of(ScoreRequest.class).encode(ScoreRequest.newBuilder().setRequestId("x")
                .setUserId(1).setCandidates(List.of()).setEventTimeMs(1).build());
        assertReason(other, DeadLetterReason.UNKNOWN_SCHEMA);
    }

    @Test
    void hugeLengthPrefixesFailFastInsteadOfAllocating() throws Exception {
        AvroCodec<ScoreRequest> requests = AvroCodec.of(ScoreRequest.class);
        byte[] header = Arrays.copyOf(requests.encode(ScoreRequest.newBuilder().setRequestId("").setUserId(1)
                .setCandidates(List.of()).setEventTimeMs(1).build()), AvroCodec.HEADER_BYTES);
        // string length prefix of ~1 GiB, then nothing
        ByteArrayOutputStream hugeString = new ByteArrayOutputStream();
        hugeString.writeBytes(header);
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(hugeString, null);
        enc.writeLong(1L << 30);
        enc.flush();
        // a valid request id and user id, then an array block claiming 2^30 items
        ByteArrayOutputStream hugeArray = new ByteArrayOutputStream();
        hugeArray.writeBytes(header);
        enc = EncoderFactory.get().directBinaryEncoder(hugeArray, null);
        enc.writeString("r");
        enc.writeLong(1);
        enc.writeLong(1L << 30);
        enc.writeLong(5);
        enc.flush();

        List<byte[]> bad = List.of(hugeString.toByteArray(), hugeArray.toByteArray());
        // bytes this thread allocates, collected or not: a buffer sized from the prefix would be ≥ 1 GiB
        long allocatedBefore = allocatedByThisThread();
        for (byte[] b : bad) {
            assertThatThrownBy(() -> requests.decode(b)).isInstanceOf(DecodeException.class)
                    .extracting(e -> ((DecodeException) e).reason()).isEqualTo(DeadLetterReason.MALFORMED_AVRO);
        }
        assertThat(allocatedByThisThread() - allocatedBefore).as("bytes allocated decoding the two records")
                .isLessThan(16L << 20);
    }

    @Test
    void codecSurvivesJavaSerialisationAsFlinkShipsIt() throws Exception {
        var bytes = new ByteArrayOutputStream();
        try (var out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(impressions);
        }
        @SuppressWarnings("unchecked")
        AvroCodec<Impression> copy = (AvroCodec<Impression>) new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray())).readObject();
        assertThat(copy.decode(impressions.encode(impression()))).isEqualTo(impression());
    }

    private void assertReason(byte[] bytes, DeadLetterReason reason) {
        assertThatThrownBy(() -> impressions.decode(bytes)).isInstanceOf(DecodeException.class)
                .satisfies(e -> assertThat(((DecodeException) e).reason()).isEqualTo(reason))
                .satisfies(e -> assertThat(e.getMessage()).isNotBlank());
    }

    private static long allocatedByThisThread() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
