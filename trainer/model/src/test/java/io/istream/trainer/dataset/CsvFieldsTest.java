package io.istream.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CsvFieldsTest {

    @Test
    void splitsPlainAndQuotedFields() {
        assertThat(CsvFields.split("1,Toy Story (1995),Adventure|Animation"))
                .containsExactly("1", "Toy Story (1995)", "Adventure|Animation");
        assertThat(CsvFields.split("11,\"American President, The (1995)\",Comedy|Drama|Romance"))
                .containsExactly("11", "American President, The (1995)", "Comedy|Drama|Romance");
        assertThat(CsvFields.split("7789,\"11'09\"\"01 - September 11 (2002)\",Drama"))
                .containsExactly("7789", "11'09\"01 - September 11 (2002)", "Drama");
        assertThat(CsvFields.split("a,,")).containsExactly("a", "", "");
    }

    @Test
    void rejectsAnUnbalancedQuote() {
        assertThatThrownBy(() -> CsvFields.split("1,\"open,Drama")).hasMessageContaining("unbalanced quote");
    }
}
