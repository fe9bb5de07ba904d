package io.istream.trainer.dataset;

import io.istream.avro.BehaviorType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads Taobao's UserBehavior.csv (Alibaba Tianchi dataset 649): rows {@code user_id,item_id,category_id,behavior,
 * timestamp}, no header, unix seconds. Behaviours pv, cart, fav and buy become CLICK, CART, FAV and BUY.
 *
 * <p>Ids are kept as they are ({@link IdDictionary#numeric}): they are positive integers already. Each user's rows
 * are sorted by time with a stable sort. The published file keeps each user's rows together (users in lexicographic
 * id order), so with {@link ReadOptions#maxUsers()} the read stops at the first row of user N + 1 instead of scanning
 * all 100 million rows; a file that does not keep users together should be read whole.
 */
public final class TaobaoReader {

    public static final String FILE_PREFIX = "UserBehavior";
    public static final String CANONICAL_FILE = "UserBehavior.csv";

    private TaobaoReader() {
    }

    /** Reads {@code path}: a .csv file, or a directory holding UserBehavior.csv or exactly one UserBehavior*.csv. */
    public static InteractionLog read(Path path, ReadOptions options) {
        Path file = resolveFile(path);
        String name = Files.isDirectory(path) ? Datasets.nameOf(path) : Datasets.nameOf(path).replaceFirst("\\.csv$", "");
        LogAssembler log = new LogAssembler(name, IdDictionary.numeric("user"), IdDictionary.numeric("item"),
                IdDictionary.numeric("category"), options);
        DelimitedFile.scan(file, StandardCharsets.UTF_8, (lineNumber, line) -> {
            String[] f = DelimitedFile.fields(line, ',', 5);
            if (!log.admits(f[0])) {
                return false;   // users are contiguous in the published file
            }
            long category = log.categories().idOf(f[2]);
            log.add(f[0], f[1], category, DelimitedFile.secondsToMillis(f[4]), behavior(f[3]), Float.NaN);
            return true;
        });
        return log.build();
    }

    static BehaviorType behavior(String code) {
        return switch (code) {
            case "pv" -> BehaviorType.CLICK;   // a page view of the item: the click that opened it
            case "cart" -> BehaviorType.CART;
            case "fav" -> BehaviorType.FAV;
            case "buy" -> BehaviorType.BUY;
            default -> throw new IllegalArgumentException("unknown behavior '" + code + "' (expected pv, cart, fav or buy)");
        };
    }

    static Path resolveFile(Path path) {
        if (!Files.isDirectory(path)) {
            return path;
        }
        Path canonical = path.resolve(CANONICAL_FILE);
        if (Files.isRegularFile(canonical)) {
            return canonical;
        }
        List<Path> candidates = behaviorFiles(path);
        if (candidates.size() != 1) {
            throw new IllegalArgumentException("expected one " + FILE_PREFIX + "*.csv in " + path + ", found " + candidates);
        }
        return candidates.get(0);
    }

    static List<Path> behaviorFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> {
                        String name = f.getFileName().toString();
                        return name.startsWith(FILE_PREFIX) && name.endsWith(".csv");
                    })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
