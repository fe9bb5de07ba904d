package io.istream.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class IdDictionaryTest {

    @Test
    void denseIdsStartAtOneInOrderOfFirstAppearance() {
        IdDictionary items = IdDictionary.dense("item");

        assertThat(items.idOf("B004756YJA")).isEqualTo(1);
        assertThat(items.idOf("B004ZT0SSG")).isEqualTo(2);
        assertThat(items.idOf("B004756YJA")).isEqualTo(1);
        assertThat(items.idOf("7806397051")).isEqualTo(3);

        assertThat(items.size()).isEqualTo(3);
        assertThat(items.raw(2)).isEqualTo("B004ZT0SSG");
        assertThat(items.find("7806397051")).hasValue(3);
        assertThat(items.find("unseen")).isEmpty();
        assertThat(items.size()).as("find never issues an id").isEqualTo(3);
    }

    @Test
    void denseNeverIssuesZeroAndRejectsUnknownIds() {
        IdDictionary users = IdDictionary.dense("user");
        users.idOf("a");

        assertThatThrownBy(() -> users.raw(0)).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(() -> users.raw(2)).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(() -> users.idOf("")).hasMessageContaining("empty user id");
    }

    @Test
    void numericKeepsPositiveRawIdsAndCountsDistinctOnes() {
        IdDictionary users = IdDictionary.numeric("user");

        assertThat(users.idOf("196")).isEqualTo(196);
        assertThat(users.idOf("22")).isEqualTo(22);
        assertThat(users.idOf("196")).isEqualTo(196);

        assertThat(users.size()).isEqualTo(2);
        assertThat(users.keepsNumericIds()).isTrue();
        assertThat(users.raw(22)).isEqualTo("22");
        assertThat(users.find("22")).hasValue(22);
        assertThat(users.find("23")).isEmpty();
        assertThatThrownBy(() -> users.raw(23)).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void numericRejectsZeroNegativeAndNonNumericIds() {
        IdDictionary items = IdDictionary.numeric("item");

        assertThatThrownBy(() -> items.idOf("0")).hasMessageContaining("item id must be a positive integer");
        assertThatThrownBy(() -> items.idOf("-5")).hasMessageContaining("'-5'");
        assertThatThrownBy(() -> items.idOf("B00X")).hasMessageContaining("'B00X'");
        assertThat(items.size()).isZero();
    }
}
