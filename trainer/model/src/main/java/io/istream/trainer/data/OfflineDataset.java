package io.istream.trainer.data;

import io.istream.trainer.dataset.DatasetFormat;
import io.istream.trainer.dataset.Datasets;
import io.istream.trainer.dataset.InteractionLog;
import io.istream.trainer.dataset.ReadOptions;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * A dataset cut into train, validation and test samples by one of the offline protocols ({@link AmazonProtocol},
 * {@link MovieLensProtocol}, {@link SyntheticProtocol}). The three splits share one {@link UserSequences}.
 *
 * <p>Models are selected on {@link #validation()}, never on {@link #test()} (docs/model.md, "Metrics").
 *
 * @param name       the dataset and protocol, for logs
 * @param train      samples to fit on
 * @param validation samples for model selection and early stopping
 * @param test       held-out samples for the reported figures
 * @param maxHistory T cap of every history
 */
public record OfflineDataset(String name, SampleSet train, SampleSet validation, SampleSet test, int maxHistory) {

    /** The DIEN paper's T on Amazon. */
    public static final int DEFAULT_MAX_HISTORY = 100;

    public OfflineDataset {
        Objects.requireNonNull(name, "name");
        if (train.sequences() != validation.sequences() || train.sequences() != test.sequences()) {
            throw new IllegalArgumentException("the splits of one dataset share one UserSequences");
        }
        if (train.maxHistory() != maxHistory || validation.maxHistory() != maxHistory
                || test.maxHistory() != maxHistory) {
            throw new IllegalArgumentException("every split must use maxHistory " + maxHistory);
        }
    }

    /**
     * Reads a dataset the way {@link Datasets#detect} recognises it and applies its paper's protocol: Amazon reviews
     * → {@link AmazonProtocol}, either MovieLens layout → {@link MovieLensProtocol} with its default user split.
     * Taobao has no offline protocol here.
     */
    public static OfflineDataset read(Path path, ReadOptions options, int maxHistory, long seed) {
        DatasetFormat format = Datasets.detect(path);
        InteractionLog log = format.read(path, options);
        return switch (format) {
            case AMAZON_REVIEWS -> AmazonProtocol.build(log, maxHistory, seed);
            case MOVIELENS_100K, MOVIELENS_LATEST -> MovieLensProtocol.build(log, maxHistory, seed);
            case TAOBAO_USER_BEHAVIOR -> throw new IllegalArgumentException(
                    "no offline protocol for the Taobao format (" + path + "); use an Amazon or MovieLens dataset");
        };
    }

    public UserSequences sequences() {
        return train.sequences();
    }

    /** Samples over all three splits. */
    public long samples() {
        return (long) train.size() + validation.size() + test.size();
    }

    /** A few lines for logs: the dataset, then one line per split. */
    public String describe() {
        UserSequences s = sequences();
        return String.format(Locale.ROOT, "%s: %,d users, %,d behaviours, T ≤ %d, %,d samples%n  %s%n  %s%n  %s",
                name, s.size(), s.positions(), maxHistory, samples(), train.describe(), validation.describe(),
                test.describe());
    }
}
