package io.istream.ops.cli;

import java.nio.file.Path;

/** Paths the launcher derives from where the repository is ({@code ISTREAM_HOME}, set by ops/istream). */
final class Defaults {
    private Defaults() {
    }

    static Path home() {
        String home = System.getenv("ISTREAM_HOME");
        return Path.of(home == null ? "." : home).toAbsolutePath().normalize();
    }

    /** The shared datasets beside the checkout, or ISTREAM_DATA. */
    static Path dataRoot() {
        String data = System.getenv("ISTREAM_DATA");
        return data != null ? Path.of(data) : home().resolve("../shared/data").normalize();
    }

    static Path workDir(String command) {
        return home().resolve(".istream").resolve(command + "-" + System.currentTimeMillis());
    }
}
