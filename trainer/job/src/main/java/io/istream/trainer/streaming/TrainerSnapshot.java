package io.istream.trainer.streaming;

import io.istream.avro.Sample;
import io.istream.schemas.AvroCodec;
import io.istream.schemas.DecodeException;
import io.istream.trainer.model.ModelFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of a {@link StreamingTrainer#snapshot}: a magic number and format, the counters, the samples buffered
 * and not trained yet, then the model file (model and optimiser state). Format 2 adds the trainer epoch; format 1
 * still restores, with epoch 0.
 */
final class TrainerSnapshot {
    private static final int MAGIC = 0x49535452;   // "ISTR"
    private static final int FORMAT = 2;
    private static final AvroCodec<Sample> SAMPLES = AvroCodec.of(Sample.class);

    /** The trainer's counters, as the snapshot holds them. */
    record Counters(long version, long consumed, long trained, long skipped, long checksum, long newestMs,
                    long epoch) {
    }

    /** A snapshot read back: counters, buffered samples and the model file's bytes. */
    record Read(Counters counters, List<Sample> buffered, byte[] modelFile) {
        ModelFile.Loaded model() {
            return ModelFile.fromBytes(modelFile);
        }
    }

    private TrainerSnapshot() {
    }

    static byte[] write(Counters c, List<Sample> buffered, byte[] modelFile) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeLong(c.version());
            out.writeLong(c.consumed());
            out.writeLong(c.trained());
            out.writeLong(c.skipped());
            out.writeLong(c.checksum());
            out.writeLong(c.newestMs());
            out.writeLong(c.epoch());
            out.writeInt(buffered.size());
            for (Sample s : buffered) {
                byte[] encoded = SAMPLES.encode(s);
                out.writeInt(encoded.length);
                out.write(encoded);
            }
            out.writeInt(modelFile.length);
            out.write(modelFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot snapshot the streaming trainer", e);
        }
        return bytes.toByteArray();
    }

    static Read read(byte[] snapshot) {
        try (DataInputStream in = open(snapshot)) {
            int format = in.readInt();
            if (format != FORMAT && format != 1) {
                throw new IllegalArgumentException("streaming-trainer snapshot format " + format + " is not supported");
            }
            Counters c = new Counters(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                    in.readLong(), format >= 2 ? in.readLong() : 0);
            List<Sample> samples = readBuffered(in);
            byte[] modelFile = new byte[in.readInt()];
            in.readFully(modelFile);
            return new Read(c, samples, modelFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore the streaming trainer", e);
        } catch (DecodeException e) {
            throw new IllegalArgumentException("snapshot holds an undecodable sample: " + e.getMessage(), e);
        }
    }

    /** The buffered samples only, without decoding the model. */
    static List<Sample> buffered(byte[] snapshot) {
        try (DataInputStream in = open(snapshot)) {
            int format = in.readInt();
            in.skipNBytes(6L * Long.BYTES + (format >= 2 ? Long.BYTES : 0));
            return readBuffered(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the streaming trainer's buffered samples", e);
        } catch (DecodeException e) {
            throw new IllegalArgumentException("snapshot holds an undecodable sample: " + e.getMessage(), e);
        }
    }

    private static DataInputStream open(byte[] snapshot) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot));
        if (in.readInt() != MAGIC) {
            throw new IllegalArgumentException("not a streaming-trainer snapshot");
        }
        return in;
    }

    /** The buffered samples of a snapshot, read at their place in it: a count, then each encoded sample. */
    private static List<Sample> readBuffered(DataInputStream in) throws IOException, DecodeException {
        int buffered = in.readInt();
        List<Sample> samples = new ArrayList<>(buffered);
        for (int i = 0; i < buffered; i++) {
            byte[] encoded = new byte[in.readInt()];
            in.readFully(encoded);
            samples.add(SAMPLES.decode(encoded));
        }
        return samples;
    }
}
