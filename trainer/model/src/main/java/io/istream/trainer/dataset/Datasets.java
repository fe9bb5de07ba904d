package io.istream.trainer.dataset;

import java.nio.file.Files;
import java.nio.file.Path;

/** Entry point for a path a user passes: recognises the dataset's layout and reads it. */
public final class Datasets {

    private Datasets() {
    }

    /**
     * Recognises the layout from the files present. A directory: behaviors.tsv → Amazon, u.data → ML-100K,
     * ratings.csv → MovieLens CSV, a UserBehavior*.csv → Taobao. A file: those same names, and any other .csv → Taobao.
     */
    public static DatasetFormat detect(Path path) {
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve(AmazonReviewsReader.FILE_NAME))) {
                return DatasetFormat.AMAZON_REVIEWS;
            }
            if (Files.isRegularFile(path.resolve(MovieLensReader.ML_100K_RATINGS))) {
                return DatasetFormat.MOVIELENS_100K;
            }
            if (Files.isRegularFile(path.resolve(MovieLensReader.LATEST_RATINGS))) {
                return DatasetFormat.MOVIELENS_LATEST;
            }
            if (!TaobaoReader.behaviorFiles(path).isEmpty()) {
                return DatasetFormat.TAOBAO_USER_BEHAVIOR;
            }
        } else if (Files.isRegularFile(path)) {
            String name = path.getFileName().toString();
            if (name.equals(AmazonReviewsReader.FILE_NAME)) {
                return DatasetFormat.AMAZON_REVIEWS;
            }
            if (name.equals(MovieLensReader.ML_100K_RATINGS)) {
                return DatasetFormat.MOVIELENS_100K;
            }
            if (name.equals(MovieLensReader.LATEST_RATINGS)) {
                return DatasetFormat.MOVIELENS_LATEST;
            }
            if (name.endsWith(".csv")) {
                return DatasetFormat.TAOBAO_USER_BEHAVIOR;
            }
        } else {
            throw new IllegalArgumentException("no dataset at " + path + ": it does not exist");
        }
        throw new IllegalArgumentException("cannot tell the dataset format of " + path + ": expected a directory with "
                + "behaviors.tsv (Amazon), u.data (MovieLens 100K), ratings.csv (MovieLens CSV) or UserBehavior*.csv "
                + "(Taobao), or a Taobao .csv file");
    }

    public static InteractionLog read(Path path, ReadOptions options) {
        return detect(path).read(path, options);
    }

    /** A log's name: the dataset directory's (or file's) name. */
    static String nameOf(Path path) {
        Path fileName = path.toAbsolutePath().normalize().getFileName();
        return fileName == null ? path.toString() : fileName.toString();
    }
}
