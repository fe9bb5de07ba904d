package io.istream.trainer.dataset;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one CSV line as RFC 4180 does: a field may be double-quoted, and inside quotes a comma is data and
 * {@code ""} is one quote. MovieLens' movies.csv needs this: {@code 11,"American President, The (1995)",Comedy}.
 */
final class CsvFields {

    private CsvFields() {
    }

    static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.length() == 0) {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unbalanced quote");
        }
        fields.add(field.toString());
        return fields;
    }
}
