package io.istream.trainer.dataset;

import java.nio.file.Path;

/** A dataset row that cannot be parsed; names the file and the 1-based line so the row can be found and fixed. */
public final class MalformedRowException extends IllegalArgumentException {

    private static final int MAX_ROW_CHARS = 200;

    private final transient Path file;
    private final long lineNumber;

    public MalformedRowException(Path file, long lineNumber, String row, String reason, Throwable cause) {
        super(file + ":" + lineNumber + ": " + reason + " in row '" + abbreviate(row) + "'", cause);
        this.file = file;
        this.lineNumber = lineNumber;
    }

    public Path file() {
        return file;
    }

    public long lineNumber() {
        return lineNumber;
    }

    private static String abbreviate(String row) {
        return row.length() <= MAX_ROW_CHARS ? row : row.substring(0, MAX_ROW_CHARS) + "...";
    }
}
