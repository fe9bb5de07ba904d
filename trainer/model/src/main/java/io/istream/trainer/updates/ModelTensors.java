package io.istream.trainer.updates;

import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.Dice;
import io.istream.trainer.model.Param;
import io.istream.trainer.model.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model update carries besides embedding rows: every dense parameter by name, and the Dice moving
 * statistics that inference reads ({@code dice.<i>.mean}, {@code dice.<i>.var}). And the wire encoding of values:
 * float32, little-endian, row-major.
 */
public final class ModelTensors {
    private ModelTensors() {
    }

    /** Name → tensor, in a stable order. The tensors are the model's own: writing them changes the model. */
    public static Map<String, Tensor> denseTensors(CtrModel model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Param p : model.params()) {
            out.put(p.name(), p.value());
        }
        List<Dice> dice = model.diceLayers();
        for (int i = 0; i < dice.size(); i++) {
            out.put("dice." + i + ".mean", dice.get(i).movingMean());
            out.put("dice." + i + ".var", dice.get(i).movingVar());
        }
        return out;
    }

    /** Elements [from, from + count) of {@code t} as float32 LE. */
    public static byte[] encode(Tensor t, int from, int count) {
        ByteBuffer out = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            out.putFloat((float) t.get(from + i));
        }
        return out.array();
    }

    /** Writes float32 LE {@code bytes} into elements [to, to + bytes/4) of {@code t}. */
    public static void decodeInto(ByteBuffer bytes, Tensor t, int to) {
        ByteBuffer in = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = in.remaining() / Float.BYTES;
        for (int i = 0; i < n; i++) {
            t.set(to + i, in.getFloat());
        }
    }
}
