package io.istream.trainer.dataset;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a line-oriented dataset file row by row, turning any failure of a row into a {@link MalformedRowException}
 * that names the file and line. Blank lines (a trailing newline, an editor's extra line) are skipped.
 */
final class DelimitedFile {

    /** Handles one non-blank line; returns false to stop reading (users beyond {@code maxUsers} in a grouped file). */
    @FunctionalInterface
    interface RowVisitor {
        boolean visit(long lineNumber, String line);
    }

    private DelimitedFile() {
    }

    static void scan(Path file, Charset charset, RowVisitor visitor) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("dataset file not found: " + file);
        }
        try (BufferedReader reader = Files.newBufferedReader(file, charset)) {
            long lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                if (lineNumber == 1 && line.charAt(0) == '\uFEFF') {
                    line = line.substring(1);   // a byte-order mark from a spreadsheet export
                }
                boolean more;
                try {
                    more = visitor.visit(lineNumber, line);
                } catch (MalformedRowException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new MalformedRowException(file, lineNumber, line, describe(e), e);
                }
                if (!more) {
                    return;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Splits on a single-character separator and insists on exactly {@code expected} fields. */
    static String[] fields(String line, char separator, int expected) {
        // indexOf rather than String.split: no regex, and this runs once per row of files with 10^8 rows
        String[] fields = new String[expected];
        int found = 0;
        int start = 0;
        while (true) {
            int end = line.indexOf(separator, start);
            if (found < expected) {
                fields[found] = end < 0 ? line.substring(start) : line.substring(start, end);
            }
            found++;
            if (end < 0) {
                break;
            }
            start = end + 1;
        }
        if (found != expected) {
            throw new IllegalArgumentException(
                    "expected " + expected + " '" + printable(separator) + "'-separated fields, found " + found);
        }
        return fields;
    }

    static long secondsToMillis(String seconds) {
        return Math.multiplyExact(Long.parseLong(seconds.trim()), 1000L);
    }

    static String nonEmpty(String value, String what) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("empty " + what);
        }
        return value;
    }

    private static String printable(char separator) {
        return separator == '\t' ? "\\t" : String.valueOf(separator);
    }

    private static String describe(RuntimeException e) {
        if (e instanceof NumberFormatException) {
            return "not a number (" + e.getMessage() + ")";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
