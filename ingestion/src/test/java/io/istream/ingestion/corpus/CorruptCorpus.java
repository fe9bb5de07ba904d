package io.istream.ingestion.corpus;

import io.istream.avro.Behavior;
import io.istream.avro.BehaviorType;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import io.istream.avro.ItemRef;
import io.istream.avro.ScoreRequest;
import io.istream.schemas.DeadLetterReason;
import io.istream.schemas.KeyCodec;
import io.istream.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * The committed corpus of bad input records ({@code src/test/resources/corrupt-corpus}): for every input topic,
 * random bytes, empty values, truncated Avro, huge length prefixes in strings, arrays and enums, wrong schema
 * fingerprints, absurd timestamps, out-of-range ids, missing fields, oversized candidate lists and keys for another
 * user, each with the dead-letter reason it must get. {@link #main} wrote the files; {@code CorruptCorpusTest} checks
 * that they still are what this class generates, and that each gets its reason. None of the input schemas has a
 * float or double field, so there is no NaN/Inf case to read.
 */
public final class CorruptCorpus {
    /** Where the corpus is on the test classpath. */
    public static final String RESOURCE = "corrupt-corpus/";
    public static final String MANIFEST = RESOURCE + "manifest.tsv";

    /** One bad record: where it goes, its key (null = none) and value, and the reason it must get. */
    public record Entry(String topic, String name, byte[] key, byte[] value, DeadLetterReason reason) {
        public String file() {
            return topic + "/" + name + ".bin";
        }
    }

    private static final long T0 = 1_600_000_000_000L;                 // 2020-09-13, a plausible event time
    private static final long YEAR_2500 = 16_725_225_600_000L;
    private static final int HEADER = 10;                               // C3 01 + 8-byte fingerprint

    private CorruptCorpus() {
    }

    /** Writes the corpus under {@code dir} (the test resources' corrupt-corpus folder). */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "ingestion/src/test/resources/corrupt-corpus");
        StringBuilder manifest = new StringBuilder("# topic\tfile\tkey (hex, - = none)\texpected reason\n");
        for (Entry e : generate()) {
            Path file = dir.resolve(e.file());
            Files.createDirectories(file.getParent());
            Files.write(file, e.value());
            manifest.append(e.topic()).append('\t').append(e.file()).append('\t')
                    .append(e.key() == null ? "-" : HexFormat.of().formatHex(e.key())).append('\t')
                    .append(e.reason().name()).append('\n');
        }
        Files.writeString(dir.resolve("manifest.tsv"), manifest);
        System.out.println("corpus written to " + dir);
    }

    /** The corpus as committed, read from the test classpath. */
    public static List<Entry> load() {
        List<Entry> entries = new ArrayList<>();
        for (String line : new String(bytes(MANIFEST), StandardCharsets.UTF_8).lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            String name = f[1].substring(f[1].indexOf('/') + 1, f[1].length() - ".bin".length());
            entries.add(new Entry(f[0], name, f[2].equals("-") ? null : HexFormat.of().parseHex(f[2]),
                    bytes(RESOURCE + f[1]), DeadLetterReason.valueOf(f[3])));
        }
        return entries;
    }

    /** The corpus as this class generates it (deterministic). */
    public static List<Entry> generate() {
        List<Entry> out = new ArrayList<>();
        Random random = new Random(20261122);
        byte[] impression = Topics.IMPRESSIONS.values().encode(new Impression("req-1", 7L, 70L, 3L, T0, null));
        byte[] click = Topics.CLICKS.values().encode(new Click("req-1", 7L, 70L, T0));
        byte[] behavior = Topics.BEHAVIORS.values().encode(new Behavior(7L, 70L, 3L, BehaviorType.VIEW, T0));
        byte[] request = Topics.SCORE_REQUESTS.values().encode(new ScoreRequest("req-1", 7L,
                List.of(new ItemRef(70L, 3L), new ItemRef(71L, 3L)), T0));
        byte[][] valid = {impression, click, behavior, request};
        String[] topics = {"impressions", "clicks", "behaviors", "score-requests"};
        for (int t = 0; t < topics.length; t++) {
            String topic = topics[t];
            byte[] good = valid[t];
            byte[] key = KeyCodec.userKey(7L);
            byte[] garbage = new byte[64];
            random.nextBytes(garbage);
            garbage[0] = 0x42;   // never the C3 marker
            out.add(new Entry(topic, "random-bytes", key, garbage, DeadLetterReason.BAD_HEADER));
            out.add(new Entry(topic, "empty", key, new byte[0], DeadLetterReason.EMPTY_RECORD));
            out.add(new Entry(topic, "header-only", key, Arrays.copyOf(good, HEADER), DeadLetterReason.MALFORMED_AVRO));
            out.add(new Entry(topic, "truncated", key, Arrays.copyOf(good, good.length - 3),
                    DeadLetterReason.MALFORMED_AVRO));
            byte[] trailing = Arrays.copyOf(good, good.length + 4);
            out.add(new Entry(topic, "trailing-bytes", key, trailing, DeadLetterReason.TRAILING_BYTES));
            byte[] wrongFingerprint = good.clone();
            for (int i = 2; i < HEADER; i++) {
                wrongFingerprint[i] ^= (byte) 0x5A;
            }
            out.add(new Entry(topic, "unknown-fingerprint", key, wrongFingerprint, DeadLetterReason.UNKNOWN_SCHEMA));
            out.add(new Entry(topic, "another-user-key", KeyCodec.userKey(8L), good, DeadLetterReason.KEY_MISMATCH));
        }
        // another topic's schema: an impression on every other topic
        for (String topic : List.of("clicks", "behaviors", "score-requests")) {
            out.add(new Entry(topic, "impression-bytes", KeyCodec.userKey(7L), impression,
                    DeadLetterReason.UNKNOWN_SCHEMA));
        }
        // huge length prefixes: must fail at once, not allocate gigabytes
        out.add(new Entry("impressions", "huge-string-length", KeyCodec.userKey(7L),
                withBody(impression, body(e -> e.writeLong(Integer.MAX_VALUE - 1L))), DeadLetterReason.MALFORMED_AVRO));
        out.add(new Entry("clicks", "huge-string-length", KeyCodec.userKey(7L),
                withBody(click, body(e -> e.writeLong(Long.MAX_VALUE / 2))), DeadLetterReason.MALFORMED_AVRO));
        out.add(new Entry("behaviors", "huge-enum-index", KeyCodec.userKey(7L),
                withBody(behavior, body(e -> {
                    e.writeLong(7L);
                    e.writeLong(70L);
                    e.writeLong(3L);
                    e.writeInt(Integer.MAX_VALUE);
                })), DeadLetterReason.MALFORMED_AVRO));
        out.add(new Entry("score-requests", "huge-array-length", KeyCodec.userKey(7L),
                withBody(request, body(e -> {
                    e.writeString("req-1");
                    e.writeLong(7L);
                    e.writeLong(Integer.MAX_VALUE);   // block count of the candidates array
                })), DeadLetterReason.MALFORMED_AVRO));
        out.add(new Entry("score-requests", "huge-string-length", KeyCodec.userKey(7L),
                withBody(request, body(e -> e.writeLong(Long.MAX_VALUE / 2))), DeadLetterReason.MALFORMED_AVRO));
        // decodable, but invalid
        out.add(new Entry("impressions", "timestamp-1970", KeyCodec.userKey(7L),
                Topics.IMPRESSIONS.values().encode(new Impression("req-2", 7L, 70L, 3L, 1_000L, null)),
                DeadLetterReason.ABSURD_TIMESTAMP));
        out.add(new Entry("impressions", "timestamp-2500", KeyCodec.userKey(7L),
                Topics.IMPRESSIONS.values().encode(new Impression("req-2", 7L, 70L, 3L, YEAR_2500, null)),
                DeadLetterReason.ABSURD_TIMESTAMP));
        out.add(new Entry("impressions", "negative-item", KeyCodec.userKey(7L),
                Topics.IMPRESSIONS.values().encode(new Impression("req-2", 7L, -70L, 3L, T0, null)),
                DeadLetterReason.INVALID_ID));
        out.add(new Entry("impressions", "empty-request-id", KeyCodec.userKey(7L),
                Topics.IMPRESSIONS.values().encode(new Impression("", 7L, 70L, 3L, T0, null)),
                DeadLetterReason.MISSING_FIELD));
        out.add(new Entry("clicks", "timestamp-negative", KeyCodec.userKey(7L),
                Topics.CLICKS.values().encode(new Click("req-2", 7L, 70L, -5L)), DeadLetterReason.ABSURD_TIMESTAMP));
        out.add(new Entry("clicks", "zero-user", null,
                Topics.CLICKS.values().encode(new Click("req-2", 0L, 70L, T0)), DeadLetterReason.INVALID_ID));
        out.add(new Entry("clicks", "empty-request-id", KeyCodec.userKey(7L),
                Topics.CLICKS.values().encode(new Click("", 7L, 70L, T0)), DeadLetterReason.MISSING_FIELD));
        out.add(new Entry("behaviors", "timestamp-2500", KeyCodec.userKey(7L),
                Topics.BEHAVIORS.values().encode(new Behavior(7L, 70L, 3L, BehaviorType.BUY, YEAR_2500)),
                DeadLetterReason.ABSURD_TIMESTAMP));
        out.add(new Entry("behaviors", "max-negative-category", KeyCodec.userKey(7L),
                Topics.BEHAVIORS.values().encode(new Behavior(7L, 70L, Long.MIN_VALUE, BehaviorType.BUY, T0)),
                DeadLetterReason.INVALID_ID));
        List<ItemRef> tooMany = new ArrayList<>();
        for (long i = 1; i <= 1_001; i++) {
            tooMany.add(new ItemRef(i, 1L));
        }
        out.add(new Entry("score-requests", "1001-candidates", KeyCodec.userKey(7L),
                Topics.SCORE_REQUESTS.values().encode(new ScoreRequest("req-3", 7L, tooMany, T0)),
                DeadLetterReason.OVERSIZED_CANDIDATES));
        out.add(new Entry("score-requests", "no-candidates", KeyCodec.userKey(7L),
                Topics.SCORE_REQUESTS.values().encode(new ScoreRequest("req-3", 7L, List.of(), T0)),
                DeadLetterReason.MISSING_FIELD));
        out.add(new Entry("score-requests", "zero-candidate-item", KeyCodec.userKey(7L),
                Topics.SCORE_REQUESTS.values().encode(new ScoreRequest("req-3", 7L, List.of(new ItemRef(0L, 1L)),
                        T0)), DeadLetterReason.INVALID_ID));
        out.add(new Entry("score-requests", "timestamp-2500", KeyCodec.userKey(7L),
                Topics.SCORE_REQUESTS.values().encode(new ScoreRequest("req-3", 7L, List.of(new ItemRef(5L, 1L)),
                        YEAR_2500)), DeadLetterReason.ABSURD_TIMESTAMP));
        return out;
    }

    private interface BodyWriter {
        void write(BinaryEncoder encoder) throws IOException;
    }

    private static byte[] body(BodyWriter writer) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
            writer.write(encoder);
            encoder.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The valid record's header (its schema fingerprint) followed by {@code body}. */
    private static byte[] withBody(byte[] valid, byte[] body) {
        byte[] out = Arrays.copyOf(valid, HEADER + body.length);
        System.arraycopy(body, 0, out, HEADER, body.length);
        return out;
    }

    private static byte[] bytes(String name) {
        try (InputStream in = CorruptCorpus.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("corpus file " + name + " is not on the test classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
