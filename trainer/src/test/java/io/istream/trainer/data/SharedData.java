package io.istream.trainer.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real datasets in the shared data directory (Surefire sets {@code istream.data.dir}; never copied into the
 * repository). Tests that need one skip, with a message, where it is absent.
 */
final class SharedData {

    static final String AMAZON_BEAUTY = "amazon-beauty";
    static final String MOVIELENS_100K = "movielens-100k";
    static final String MOVIELENS_LATEST_SMALL = "movielens-latest-small";
    static final String TAOBAO_SAMPLE = "taobao-sample";

    private SharedData() {
    }

    static Path dataset(String name) {
        Path dir = Path.of(System.getProperty("istream.data.dir", "../../shared/data")).resolve(name);
        assumeTrue(Files.exists(dir), name + " not found at " + dir.toAbsolutePath().normalize() + ": skipping");
        return dir;
    }
}
