package io.istream.trainer.dataset;

import java.nio.file.Path;
import java.util.function.BiFunction;

/** The dataset layouts this package reads; {@link Datasets#detect} tells which one a path holds. */
public enum DatasetFormat {
    AMAZON_REVIEWS(AmazonReviewsReader::read),
    MOVIELENS_100K(MovieLensReader::read100k),
    MOVIELENS_LATEST(MovieLensReader::readLatestSmall),
    TAOBAO_USER_BEHAVIOR(TaobaoReader::read);

    private final BiFunction<Path, ReadOptions, InteractionLog> reader;

    DatasetFormat(BiFunction<Path, ReadOptions, InteractionLog> reader) {
        this.reader = reader;
    }

    public InteractionLog read(Path path, ReadOptions options) {
        return reader.apply(path, options);
    }
}
