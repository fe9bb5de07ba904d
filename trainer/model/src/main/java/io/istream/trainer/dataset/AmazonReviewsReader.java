package io.istream.trainer.dataset;

import io.istream.avro.BehaviorType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads Amazon reviews in the layout of the DIN/DIEN papers' preprocessing: {@code behaviors.tsv} with the header
 * {@code user_id, item_id, category, timestamp}, one review per row, a user's rows contiguous and in time order.
 *
 * <p>Users, items (ASINs) and categories (leaf category names) get dense ids in order of first appearance.
 * Timestamps are unix seconds with day granularity; same-day reviews keep their file order, which is the order the
 * offline protocol uses. Every row becomes a {@link BehaviorType#REVIEW} without a rating.
 */
public final class AmazonReviewsReader {

    public static final String FILE_NAME = "behaviors.tsv";
    static final String HEADER = "user_id\titem_id\tcategory\ttimestamp";

    private AmazonReviewsReader() {
    }

    /** Reads {@code path}: a directory holding behaviors.tsv, or the file itself. */
    public static InteractionLog read(Path path, ReadOptions options) {
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
        LogAssembler log = new LogAssembler(Datasets.nameOf(dir), IdDictionary.dense("user"),
                IdDictionary.dense("item"), IdDictionary.dense("category"), options);
        boolean[] headerSeen = {false};
        DelimitedFile.scan(file, StandardCharsets.UTF_8, (lineNumber, line) -> {
            if (!headerSeen[0]) {
                if (!line.equals(HEADER)) {
                    throw new IllegalArgumentException("expected the header '" + HEADER.replace("\t", "\\t") + "'");
                }
                headerSeen[0] = true;
                return true;
            }
            String[] f = DelimitedFile.fields(line, '\t', 4);
            if (!log.admits(f[0])) {
                return false;   // users are contiguous: the first row of user maxUsers + 1 ends the read
            }
            long category = log.categories().idOf(DelimitedFile.nonEmpty(f[2], "category"));
            log.add(f[0], f[1], category, DelimitedFile.secondsToMillis(f[3]), BehaviorType.REVIEW, Float.NaN);
            return true;
        });
        return log.build();
    }
}
