package io.istream.trainer.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The model and optimiser settings as string options ({@code model.*}, {@code optimizer.*}): one catalogue that the
 * offline trainer ({@code --conf key=value}), the streaming learning job (its Flink configuration) and
 * docs/configuration.md all read, so a setting means the same thing everywhere. Values are parsed strictly: an
 * unknown key under these prefixes, or a value that does not parse, is an {@link IllegalArgumentException} that names
 * it. Enum values are case-blind and accept '-' for '_'; lists are comma-separated; durations are a number with an
 * optional unit (ms, s, min, h, d; ms when none).
 */
public final class ModelOptions {

    public static final String MODEL_PREFIX = "model.";
    public static final String OPTIMIZER_PREFIX = "optimizer.";

    /** {@code model.form}: which defaults the other model options start from. */
    public static final String FORM = "model.form";
    /** {@code model.kind}. */
    public static final String KIND = "model.kind";

    /** One option: its key, what it does, its value in a config, and how a value is applied to a builder. */
    public record Option<C, B>(String key, String description, Function<C, String> read, BiConsumer<B, String> apply) {
    }

    /** The forms the model options start from. */
    public enum Form {
        /** The shipped defaults: the forms that measured best across datasets (docs/results.md). */
        DEFAULT,
        /** The papers' forms (DIN without softmax; DIEN with bilinear attention, Dice head and α = 1). */
        PAPER
    }

    private ModelOptions() {
    }

    /** Every {@code model.*} option but {@link #FORM} and {@link #KIND}, which choose the builder the others edit. */
    public static final List<Option<ModelConfig, ModelConfigBuilder>> MODEL = List.of(
            model("model.embedding-dim", "d per id; an item is its item and category embeddings, D = 2d.",
                    c -> str(c.embeddingDim()), (b, v) -> b.embeddingDim(parseInt(v))),
            model("model.hidden-size", "H of DIEN's interest extractor and interest-evolving GRUs.",
                    c -> str(c.hiddenSize()), (b, v) -> b.hiddenSize(parseInt(v))),
            model("model.head-hidden", "The head MLP's hidden widths, comma-separated.",
                    c -> ints(c.headHidden()), (b, v) -> b.headHidden(parseInts(v))),
            model("model.head-activation", "The head's activation: PRELU or DICE (DIN eq. 9).",
                    c -> c.headActivation().name(), (b, v) -> b.headActivation(parseEnum(ActivationKind.class, v))),
            model("model.dice-statistics", "What the head's Dice normalises with in training: BATCH (the batch's"
                            + " statistics, DIN eq. 9) or MOVING (the moving averages inference uses).",
                    c -> c.diceStatistics().name(), (b, v) -> b.diceStatistics(parseEnum(DiceStatistics.class, v))),
            model("model.head-inputs", "What summarises the behaviours in the head, comma-separated: SUM_POOLING,"
                            + " ATTENTION_POOLING (weighted by model.pool-attention), INTEREST_STATE (DIEN's h'_T),"
                            + " INTEREST_PRODUCT (DIEN's h'_T ⊙ (e_a·W_p + b_p)).",
                    c -> c.headInputs().stream().map(Enum::name).collect(Collectors.joining(",")),
                    (b, v) -> b.headInputs(parseEnums(HeadInput.class, v))),
            model("model.pool-attention", "The attention pool's weights: LOCAL_ACTIVATION (DIN's own network) or"
                            + " INTEREST_ATTENTION (DIEN's a_t over the interest states).",
                    c -> c.poolAttention().name(), (b, v) -> b.poolAttention(parseEnum(PoolAttention.class, v))),
            model("model.attention-hidden", "Hidden widths of the local activation unit (DIN's attention, DIEN's FFN"
                    + " attention).", c -> ints(c.attentionHidden()), (b, v) -> b.attentionHidden(parseInts(v))),
            model("model.attention-activation", "Hidden activation of the local activation unit: PRELU, SIGMOID or"
                            + " NONE.", c -> c.attentionActivation().name(),
                    (b, v) -> b.attentionActivation(parseEnum(ActivationKind.class, v))),
            model("model.din-softmax", "A masked softmax over the local activation unit's weights (true/false).",
                    c -> str(c.dinSoftmax()), (b, v) -> b.dinSoftmax(parseBoolean(v))),
            model("model.dien-attention", "DIEN's attention over the interest states: BILINEAR (eq. 9) or FFN.",
                    c -> c.attention().name(), (b, v) -> b.attention(parseEnum(AttentionKind.class, v))),
            model("model.evolving-cell", "DIEN's interest-evolving cell: AUGRU, AGRU, AIGRU or AUGRU_REFERENCE.",
                    c -> c.evolvingCell().name(), (b, v) -> b.evolvingCell(parseEnum(CellKind.class, v))),
            model("model.aux-weight", "α of L = BCE + α·L_aux (DIEN eq. 8); 0 turns the auxiliary loss off.",
                    c -> str(c.auxWeight()), (b, v) -> b.auxWeight(parseDouble(v))),
            model("model.aux-hidden", "The auxiliary net's hidden widths (sigmoid activations).",
                    c -> ints(c.auxHidden()), (b, v) -> b.auxHidden(parseInts(v))),
            model("model.user-embedding", "A user-id embedding in the head input (true/false).",
                    c -> str(c.userEmbedding()), (b, v) -> b.userEmbedding(parseBoolean(v))),
            model("model.admit-after", "Sightings before an id gets its own embedding row; before that it reads the"
                    + " shared unknown row.", c -> str(c.admitAfter()), (b, v) -> b.admitAfter(parseInt(v))),
            model("model.expire-after", "Ids not seen for this long (event time) are forgotten and their rows reused;"
                            + " 0 = never.", c -> formatDurationMs(c.expireAfterMs()),
                    (b, v) -> b.expireAfterMs(parseDurationMs(v))),
            model("model.embedding-init-std", "σ of the N(0, σ²) initialisation of new embedding rows.",
                    c -> str(c.embeddingInitStd()), (b, v) -> b.embeddingInitStd(parseDouble(v))),
            model("model.seed", "Initialisation seed.", c -> str(c.seed()), (b, v) -> b.seed(parseLong(v))));

    /** Every {@code optimizer.*} option. */
    public static final List<Option<OptimizerConfig, OptimizerConfig.Builder>> OPTIMIZER = List.of(
            optimizer("optimizer.kind", "SGD, ADAGRAD or ADAM (lazy: embedding rows move only when in the batch).",
                    c -> c.kind().name(), (b, v) -> b.kind(parseEnum(OptimizerKind.class, v))),
            optimizer("optimizer.learning-rate", "η.", c -> str(c.learningRate()),
                    (b, v) -> b.learningRate(parseDouble(v))),
            optimizer("optimizer.beta1", "Adam's β₁, the decay of its gradient's moving average (momentum).",
                    c -> str(c.beta1()), (b, v) -> b.beta1(parseDouble(v))),
            optimizer("optimizer.regularization", "Embedding regularisation: NONE, MBA (DIN eqs. 4–7: only the rows"
                            + " in the batch, λ/n_j) or L2 (every row, every step).", c -> c.regularization().name(),
                    (b, v) -> b.regularization(parseEnum(RegularizationKind.class, v))),
            optimizer("optimizer.lambda", "λ of the embedding regularisation.", c -> str(c.lambda()),
                    (b, v) -> b.lambda(parseDouble(v))),
            optimizer("optimizer.dense-l2", "Plain L2 on dense weights (0 = none).", c -> str(c.denseL2()),
                    (b, v) -> b.denseL2(parseDouble(v))));

    /**
     * The model config that {@code values} describe: {@code model.kind} (default DIEN) and {@code model.form}
     * (default DEFAULT) choose the starting builder, then every other {@code model.*} value is applied. Keys outside
     * {@code model.} are ignored; an unknown {@code model.} key is an error.
     */
    public static ModelConfig model(Map<String, String> values) {
        return modelBuilder(values).build();
    }

    /** {@link #model}, as a builder for callers that set more (a test's data type). */
    public static ModelConfigBuilder modelBuilder(Map<String, String> values) {
        ModelKind kind = values.containsKey(KIND) ? parseEnumAt(KIND, ModelKind.class, values.get(KIND))
                : ModelKind.DIEN;
        Form form = values.containsKey(FORM) ? parseEnumAt(FORM, Form.class, values.get(FORM)) : Form.DEFAULT;
        ModelConfigBuilder b = form == Form.PAPER ? ModelConfig.paper(kind) : ModelConfig.builder(kind);
        apply(MODEL, b, values, MODEL_PREFIX, List.of(KIND, FORM));
        return b;
    }

    /** The optimiser config that {@code values} describe, from {@link OptimizerConfig#defaults()}. */
    public static OptimizerConfig optimizer(Map<String, String> values) {
        return optimizer(values, OptimizerConfig.defaults());
    }

    /**
     * The optimiser config that {@code values} describe, from {@code defaults} (the streaming learning job starts
     * from {@link OptimizerConfig#streamingDefaults()}).
     */
    public static OptimizerConfig optimizer(Map<String, String> values, OptimizerConfig defaults) {
        OptimizerConfig.Builder b = defaults.toBuilder();
        apply(OPTIMIZER, b, values, OPTIMIZER_PREFIX, List.of());
        return b.build();
    }

    /** Every key of this catalogue, in order. */
    public static List<String> keys() {
        List<String> out = new ArrayList<>(List.of(KIND, FORM));
        MODEL.forEach(o -> out.add(o.key()));
        OPTIMIZER.forEach(o -> out.add(o.key()));
        return out;
    }

    /** key → its value in these configs, in {@link #keys()} order. */
    public static Map<String, String> values(ModelConfig model, OptimizerConfig optimizer, Form form) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(KIND, model.kind().name());
        out.put(FORM, form.name());
        MODEL.forEach(o -> out.put(o.key(), o.read().apply(model)));
        OPTIMIZER.forEach(o -> out.put(o.key(), o.read().apply(optimizer)));
        return out;
    }

    /** key → description, in {@link #keys()} order. */
    public static Map<String, String> descriptions() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(KIND, "BASE, DIN or DIEN.");
        out.put(FORM, "Where the other model.* options start: DEFAULT (the forms that measured best across datasets,"
                + " docs/results.md) or PAPER (the papers' forms).");
        MODEL.forEach(o -> out.put(o.key(), o.description()));
        OPTIMIZER.forEach(o -> out.put(o.key(), o.description()));
        return out;
    }

    /**
     * The effective values, one per line, each marked where it differs from the default of its kind and form: what a
     * job prints at start.
     */
    public static String describe(ModelConfig model, OptimizerConfig optimizer, Form form) {
        return describe(model, optimizer, form, OptimizerConfig.defaults());
    }

    /**
     * As {@link #describe(ModelConfig, OptimizerConfig, Form)}, the optimiser's values marked against
     * {@code optimizerDefaults}.
     */
    public static String describe(ModelConfig model, OptimizerConfig optimizer, Form form,
                                  OptimizerConfig optimizerDefaults) {
        Map<String, String> now = values(model, optimizer, form);
        ModelConfig base = (form == Form.PAPER ? ModelConfig.paper(model.kind()) : ModelConfig.builder(model.kind()))
                .build();
        Map<String, String> defaults = values(base, optimizerDefaults, Form.DEFAULT);
        defaults.put(KIND, ModelKind.DIEN.name());
        StringBuilder out = new StringBuilder();
        now.forEach((key, value) -> out.append(String.format(Locale.ROOT, "  %-36s %s%s%n", key, value,
                value.equals(defaults.get(key)) ? "" : "   (default " + defaults.get(key) + ")")));
        return out.toString();
    }

    /** The entries of {@code values} whose key starts with one of this catalogue's prefixes. */
    public static Map<String, String> ownEntries(Map<String, String> values) {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(MODEL_PREFIX) || k.startsWith(OPTIMIZER_PREFIX)) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static <C, B> void apply(List<Option<C, B>> options, B builder, Map<String, String> values, String prefix,
                                     List<String> handled) {
        Map<String, Option<C, B>> byKey = new LinkedHashMap<>();
        options.forEach(o -> byKey.put(o.key(), o));
        for (Map.Entry<String, String> e : values.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(prefix) || handled.contains(key)) {
                continue;
            }
            Option<C, B> option = byKey.get(key);
            if (option == null) {
                throw new IllegalArgumentException("unknown option " + key + "; the " + prefix + "* options are "
                        + String.join(", ", keys().stream().filter(k -> k.startsWith(prefix)).toList()));
            }
            try {
                option.apply().accept(builder, e.getValue().trim());
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException(key + " = '" + e.getValue() + "': " + ex.getMessage(), ex);
            }
        }
    }

    private static Option<ModelConfig, ModelConfigBuilder> model(String key, String description,
                                                                  Function<ModelConfig, String> read,
                                                                  BiConsumer<ModelConfigBuilder, String> apply) {
        return new Option<>(key, description, read, apply);
    }

    private static Option<OptimizerConfig, OptimizerConfig.Builder> optimizer(
            String key, String description, Function<OptimizerConfig, String> read,
            BiConsumer<OptimizerConfig.Builder, String> apply) {
        return new Option<>(key, description, read, apply);
    }

    /** "default" or "paper", case-blind. */
    public static Form parseForm(String value) {
        return parseEnum(Form.class, value);
    }

    private static <E extends Enum<E>> E parseEnumAt(String key, Class<E> type, String value) {
        try {
            return parseEnum(type, value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " = '" + value + "': " + e.getMessage(), e);
        }
    }

    static <E extends Enum<E>> E parseEnum(Class<E> type, String value) {
        String name = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected one of " + Arrays.toString(type.getEnumConstants()));
        }
    }

    static <E extends Enum<E>> EnumSet<E> parseEnums(Class<E> type, String value) {
        EnumSet<E> out = EnumSet.noneOf(type);
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                out.add(parseEnum(type, part));
            }
        }
        return out;
    }

    static int[] parseInts(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToInt(Integer::parseInt).toArray();
    }

    static boolean parseBoolean(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }

    static int parseInt(String value) {
        return Integer.parseInt(value.trim());
    }

    static long parseLong(String value) {
        return Long.parseLong(value.trim());
    }

    static double parseDouble(String value) {
        return Double.parseDouble(value.trim());
    }

    /** Milliseconds in the largest unit that divides them: "30d", "90s", "250ms", "0". */
    static String formatDurationMs(long ms) {
        if (ms == 0) {
            return "0";
        }
        long[] units = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
        String[] names = {"d", "h", "min", "s"};
        for (int i = 0; i < units.length; i++) {
            if (ms % units[i] == 0) {
                return ms / units[i] + names[i];
            }
        }
        return ms + "ms";
    }

    /** "250", "250ms", "30 s", "5min", "12h", "30d" → milliseconds. */
    static long parseDurationMs(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        int split = 0;
        while (split < v.length() && (Character.isDigit(v.charAt(split)) || v.charAt(split) == '.')) {
            split++;
        }
        double number = Double.parseDouble(v.substring(0, split));
        long unit = switch (v.substring(split)) {
            case "", "ms" -> 1L;
            case "s" -> 1_000L;
            case "min", "m" -> 60_000L;
            case "h" -> 3_600_000L;
            case "d" -> 86_400_000L;
            default -> throw new IllegalArgumentException("expected a number with ms, s, min, h or d");
        };
        return Math.round(number * unit);
    }

    private static String str(Object v) {
        return String.valueOf(v);
    }

    private static String ints(int[] values) {
        return Arrays.stream(values).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }
}
