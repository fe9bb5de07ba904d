package io.istream.trainer.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.EnumSet;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The versioned model file: config, dense parameters, optimiser state, Dice moving statistics, and each embedding
 * table's vocabulary (id → row, n_j, last seen) with its rows and their optimiser slots. Reading it back gives a model
 * and optimiser that continue exactly where the writer stopped.
 *
 * <p>Layout (big-endian, {@link DataOutputStream}): magic {@code ISTM}, format version, then the sections in the order
 * of {@link #write}. Values are stored in the model's dtype. A format change must bump {@link #VERSION}; the golden
 * file test keeps old files loading.
 */
public final class ModelFile {

    public static final int MAGIC = 0x4953544D;   // "ISTM"
    /** Marks versioned config bytes (FULL model updates); "ISTC". */
    static final int CONFIG_MAGIC = 0x49535443;
    public static final int VERSION = 2;
    /** Version 1 had no head inputs in its config: the kind's paper default ({@link ModelConfig#defaultHeadInputs}). */
    static final int FIRST_VERSION = 1;

    /** A model with the optimiser that was training it. */
    public record Loaded(CtrModel model, Optimizer optimizer) {
    }

    private ModelFile() {
    }

    public static byte[] toBytes(CtrModel model, Optimizer optimizer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        write(model, optimizer, bytes);
        return bytes.toByteArray();
    }

    public static Loaded fromBytes(byte[] bytes) {
        return read(new ByteArrayInputStream(bytes));
    }

    public static void write(CtrModel model, Optimizer optimizer, OutputStream stream) {
        try {
            DataOutputStream out = new DataOutputStream(stream);
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            writeConfig(model.config(), out);
            OptimizerConfig oc = optimizer.config();
            out.writeUTF(oc.kind().name());
            out.writeDouble(oc.learningRate());
            out.writeDouble(oc.beta1());
            out.writeDouble(oc.beta2());
            out.writeDouble(oc.epsilon());
            out.writeUTF(oc.regularization().name());
            out.writeDouble(oc.lambda());
            out.writeDouble(oc.denseL2());
            out.writeLong(optimizer.steps());
            boolean single = model.config().dataType() == DataType.FLOAT;
            List<Param> params = model.params();
            out.writeInt(params.size());
            for (int k = 0; k < params.size(); k++) {
                Param p = params.get(k);
                out.writeUTF(p.name());
                out.writeInt(p.rows());
                out.writeInt(p.cols());
                writeValues(p.value(), 0, p.value().size(), single, out);
                for (Tensor slot : optimizer.denseSlots().get(k)) {
                    writeValues(slot, 0, slot.size(), single, out);
                }
            }
            List<Dice> dice = model.diceLayers();
            out.writeInt(dice.size());
            for (Dice d : dice) {
                out.writeInt(d.movingMean().size());
                writeValues(d.movingMean(), 0, d.movingMean().size(), single, out);
                writeValues(d.movingVar(), 0, d.movingVar().size(), single, out);
                out.writeLong(d.updates());
            }
            List<EmbeddingTable> tables = model.tables();
            out.writeInt(tables.size());
            for (EmbeddingTable t : tables) {
                out.writeUTF(t.name);
                out.writeInt(t.dim);
                out.writeInt(t.rowHighWater());
                out.writeLong(t.unknownCount());
                out.writeInt(t.idCount());
                IOException[] failure = new IOException[1];
                t.forEachId((id, count, lastSeen, row) -> {
                    try {
                        out.writeLong(id);
                        out.writeLong(count);
                        out.writeLong(lastSeen);
                        out.writeInt(row);
                    } catch (IOException e) {
                        failure[0] = e;
                    }
                });
                if (failure[0] != null) {
                    throw failure[0];
                }
                int n = t.rowHighWater() * t.dim;
                writeValues(t.values(), 0, n, single, out);
                for (int i = 0; i < t.slotCount(); i++) {
                    writeValues(t.slot(i), 0, n, single, out);
                }
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model file", e);
        }
    }

    public static Loaded read(InputStream stream) {
        try {
            DataInputStream in = new DataInputStream(stream);
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException("not an istream model file (magic " + Integer.toHexString(magic)
                        + ")");
            }
            int version = in.readInt();
            if (version < FIRST_VERSION || version > VERSION) {
                throw new IllegalArgumentException("model file format version " + version + " is not supported (this"
                        + " build reads versions " + FIRST_VERSION + " to " + VERSION + ")");
            }
            ModelConfig config = readConfig(in, version);
            OptimizerConfig oc = new OptimizerConfig(OptimizerKind.valueOf(in.readUTF()), in.readDouble(),
                    in.readDouble(), in.readDouble(), in.readDouble(), RegularizationKind.valueOf(in.readUTF()),
                    in.readDouble(), in.readDouble());
            long steps = in.readLong();
            CtrModel model = new CtrModel(config, oc.kind().slots());
            Optimizer optimizer = new Optimizer(oc, model);
            optimizer.restoreSteps(steps);
            boolean single = config.dataType() == DataType.FLOAT;
            List<Param> params = model.params();
            int count = in.readInt();
            require(count == params.size(), "dense parameter count " + count + " ≠ " + params.size());
            for (int k = 0; k < count; k++) {
                Param p = params.get(k);
                String name = in.readUTF();
                int rows = in.readInt();
                int cols = in.readInt();
                require(name.equals(p.name()) && rows == p.rows() && cols == p.cols(),
                        "parameter " + name + " [" + rows + ", " + cols + "] does not fit " + p.name());
                readValues(p.value(), 0, p.value().size(), single, in);
                for (Tensor slot : optimizer.denseSlots().get(k)) {
                    readValues(slot, 0, slot.size(), single, in);
                }
            }
            List<Dice> dice = model.diceLayers();
            int diceCount = in.readInt();
            require(diceCount == dice.size(), "Dice layer count " + diceCount + " ≠ " + dice.size());
            for (Dice d : dice) {
                int channels = in.readInt();
                require(channels == d.movingMean().size(), "Dice channels");
                readValues(d.movingMean(), 0, channels, single, in);
                readValues(d.movingVar(), 0, channels, single, in);
                // version 1 kept no count; only MOVING statistics (newer than version 1) read it, at their first batch
                d.restoreUpdates(version >= 2 ? in.readLong() : 1);
            }
            List<EmbeddingTable> tables = model.tables();
            int tableCount = in.readInt();
            require(tableCount == tables.size(), "table count " + tableCount + " ≠ " + tables.size());
            for (EmbeddingTable t : tables) {
                String name = in.readUTF();
                int dim = in.readInt();
                require(name.equals(t.name) && dim == t.dim, "table " + name + " does not fit " + t.name);
                int highWater = in.readInt();
                long unknown = in.readLong();
                int ids = in.readInt();
                for (int i = 0; i < ids; i++) {
                    t.restoreId(in.readLong(), in.readLong(), in.readLong(), in.readInt());
                }
                t.finishRestore(unknown, highWater);
                int n = highWater * dim;
                readValues(t.values(), 0, n, single, in);
                for (int i = 0; i < t.slotCount(); i++) {
                    readValues(t.slot(i), 0, n, single, in);
                }
            }
            return new Loaded(model, optimizer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file", e);
        }
    }

    /**
     * The config alone, in this file's encoding, behind its format version: what FULL model updates carry. (Before
     * version 2 the bytes held the version-1 config with no version in front; {@link #configFromBytes} reads both.)
     */
    public static byte[] configBytes(ModelConfig config) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(CONFIG_MAGIC);
            out.writeInt(VERSION);
            writeConfig(config, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode model config", e);
        }
        return bytes.toByteArray();
    }

    public static ModelConfig configFromBytes(byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            in.mark(8);
            if (bytes.length < 8 || in.readInt() != CONFIG_MAGIC) {
                in.reset();
                return readConfig(in, FIRST_VERSION);
            }
            int version = in.readInt();
            if (version < FIRST_VERSION || version > VERSION) {
                throw new IllegalArgumentException("model config format version " + version + " is not supported");
            }
            return readConfig(in, version);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot decode model config: " + e.getMessage(), e);
        }
    }

    private static void writeConfig(ModelConfig c, DataOutputStream out) throws IOException {
        out.writeUTF(c.kind().name());
        out.writeInt(c.embeddingDim());
        out.writeInt(c.hiddenSize());
        writeInts(c.headHidden(), out);
        out.writeUTF(c.headActivation().name());
        out.writeUTF(c.diceStatistics().name());
        out.writeInt(c.headInputs().size());
        for (HeadInput input : c.headInputs()) {
            out.writeUTF(input.name());
        }
        out.writeUTF(c.poolAttention().name());
        writeInts(c.attentionHidden(), out);
        out.writeUTF(c.attentionActivation().name());
        out.writeBoolean(c.dinSoftmax());
        out.writeUTF(c.attention().name());
        out.writeUTF(c.evolvingCell().name());
        out.writeDouble(c.auxWeight());
        writeInts(c.auxHidden(), out);
        out.writeBoolean(c.userEmbedding());
        out.writeInt(c.admitAfter());
        out.writeLong(c.expireAfterMs());
        out.writeDouble(c.embeddingInitStd());
        out.writeUTF(c.dataType().name());
        out.writeLong(c.seed());
    }

    private static ModelConfig readConfig(DataInputStream in, int version) throws IOException {
        ModelKind kind = ModelKind.valueOf(in.readUTF());
        ModelConfigBuilder b = ModelConfig.paper(kind).embeddingDim(in.readInt()).hiddenSize(in.readInt())
                .headHidden(readInts(in)).headActivation(ActivationKind.valueOf(in.readUTF()));
        if (version >= 2) {
            b.diceStatistics(DiceStatistics.valueOf(in.readUTF()));
            int n = in.readInt();
            require(n >= 0 && n <= HeadInput.values().length, "head input list of " + n);
            EnumSet<HeadInput> inputs = EnumSet.noneOf(HeadInput.class);
            for (int i = 0; i < n; i++) {
                inputs.add(HeadInput.valueOf(in.readUTF()));
            }
            b.headInputs(inputs);
            b.poolAttention(PoolAttention.valueOf(in.readUTF()));
        } else {
            b.headInputs(ModelConfig.defaultHeadInputs(kind));
        }
        return b.attentionHidden(readInts(in)).attentionActivation(ActivationKind.valueOf(in.readUTF()))
                .dinSoftmax(in.readBoolean()).attention(AttentionKind.valueOf(in.readUTF()))
                .evolvingCell(CellKind.valueOf(in.readUTF())).auxWeight(in.readDouble()).auxHidden(readInts(in))
                .userEmbedding(in.readBoolean()).admitAfter(in.readInt()).expireAfterMs(in.readLong())
                .embeddingInitStd(in.readDouble()).dataType(DataType.valueOf(in.readUTF())).seed(in.readLong())
                .build();
    }

    private static void writeInts(int[] values, DataOutputStream out) throws IOException {
        out.writeInt(values.length);
        for (int v : values) {
            out.writeInt(v);
        }
    }

    private static int[] readInts(DataInputStream in) throws IOException {
        int n = in.readInt();
        require(n >= 0 && n < 64, "layer list of " + n);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = in.readInt();
        }
        return out;
    }

    private static void writeValues(Tensor t, int from, int count, boolean single, DataOutputStream out)
            throws IOException {
        for (int i = from; i < from + count; i++) {
            if (single) {
                out.writeFloat((float) t.get(i));
            } else {
                out.writeDouble(t.get(i));
            }
        }
    }

    private static void readValues(Tensor t, int from, int count, boolean single, DataInputStream in)
            throws IOException {
        for (int i = from; i < from + count; i++) {
            t.set(i, single ? in.readFloat() : in.readDouble());
        }
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("model file does not fit this build: " + what);
        }
    }
}
