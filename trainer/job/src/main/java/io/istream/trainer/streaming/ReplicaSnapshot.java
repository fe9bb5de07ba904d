package io.istream.trainer.streaming;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A trainer replica's checkpointed state: who it was (index, count, run), whether it read the delta exchange, the
 * origins its model descends from, the runs whose deltas stay valid and up to which interval, its exchange
 * positions, and its streaming trainer's snapshot (model, optimiser, counters, buffered samples).
 */
public final class ReplicaSnapshot {
    private static final int MAGIC = 0x49535250;   // "ISRP"
    private static final int FORMAT = 1;

    private ReplicaSnapshot() {
    }

    static byte[] write(TrainerReplica.Identity me, boolean reading, Set<String> lineage, Map<String, Long> validUpTo,
                        Map<Integer, Long> positions, byte[] trainer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeInt(me.index());
            out.writeInt(me.count());
            out.writeUTF(me.run());
            out.writeBoolean(reading);
            out.writeInt(lineage.size());
            for (String origin : lineage) {
                out.writeUTF(origin);
            }
            out.writeInt(validUpTo.size());
            for (Map.Entry<String, Long> e : validUpTo.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
            out.writeInt(positions.size());
            for (Map.Entry<Integer, Long> e : positions.entrySet()) {
                out.writeInt(e.getKey());
                out.writeLong(e.getValue());
            }
            out.writeInt(trainer.length);
            out.write(trainer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot snapshot the trainer replica", e);
        }
        return bytes.toByteArray();
    }

    /** A single trainer's snapshot (a job from before replicas) as the snapshot of replica 0 of 1. */
    public static byte[] wrapSingle(byte[] trainerSnapshot) {
        return write(new TrainerReplica.Identity(0, 1, "single"), false, Set.of(), Map.of(), Map.of(),
                trainerSnapshot);
    }

    record Stored(int index, int count, String run, boolean reading, Set<String> lineage,
                  Map<String, Long> validUpTo, Map<Integer, Long> positions, byte[] trainer) {
        static Stored read(byte[] bytes) {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                if (in.readInt() != MAGIC) {
                    throw new IllegalArgumentException("not a trainer-replica snapshot");
                }
                int format = in.readInt();
                if (format != FORMAT) {
                    throw new IllegalArgumentException("trainer-replica snapshot format " + format + " is not supported");
                }
                int index = in.readInt();
                int count = in.readInt();
                String run = in.readUTF();
                boolean reading = in.readBoolean();
                Set<String> lineage = new TreeSet<>();
                for (int i = in.readInt(); i > 0; i--) {
                    lineage.add(in.readUTF());
                }
                Map<String, Long> valid = new TreeMap<>();
                for (int i = in.readInt(); i > 0; i--) {
                    valid.put(in.readUTF(), in.readLong());
                }
                Map<Integer, Long> positions = new TreeMap<>();
                for (int i = in.readInt(); i > 0; i--) {
                    positions.put(in.readInt(), in.readLong());
                }
                byte[] trainer = new byte[in.readInt()];
                in.readFully(trainer);
                return new Stored(index, count, run, reading, lineage, valid, positions, trainer);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read a trainer-replica snapshot", e);
            }
        }
    }
}
