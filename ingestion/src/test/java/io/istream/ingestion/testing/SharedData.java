package io.istream.ingestion.testing;

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

    public static Path dataset(String name) {
        Path dir = Path.of(System.getProperty("istream.data.dir", "../../shared/data")).resolve(name);
        assumeTrue(Files.exists(dir), name + " not found at " + dir.toAbsolutePath().normalize() + ": skipping");
        return dir;
    }
}
