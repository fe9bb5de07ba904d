package io.istream.trainer.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real datasets in the shared data directory (never copied into the repository). Tests that need one skip, with
 * a message, where it is absent.
 */
public final class SharedData {

    public static final String AMAZON_BEAUTY = "amazon-beauty";
    public static final String MOVIELENS_100K = "movielens-100k";
    public static final String MOVIELENS_LATEST_SMALL = "movielens-latest-small";
    public static final String TAOBAO_SAMPLE = "taobao-sample";

    private SharedData() {
    }

    /** The dataset's directory, present or not: for tests that fall back to synthetic data where it is absent. */
    public static Path location(String name) {
        return Path.of(System.getProperty("istream.data.dir", "../../shared/data")).resolve(name);
    }

    /** The dataset's directory; skips the calling test, saying where it looked, when the dataset is absent. */
    public static Path dataset(String name) {
        Path dir = location(name);
        assumeTrue(Files.exists(dir), name + " not found at " + dir.toAbsolutePath().normalize() + ": skipping");
        return dir;
    }
}
