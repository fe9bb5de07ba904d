package io.istream.ops.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.ops.cli.ConfigurationDoc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md is exactly what the typed options render to: it cannot drift from the code. */
class ConfigurationDocTest {
    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    void theDocumentIsTheOptionsRendered() throws IOException {
        String rendered = ConfigurationDoc.render();
        if (Boolean.getBoolean("istream.docs.write")) {
            Files.writeString(DOC, rendered);
        }
        assertThat(DOC).as("docs/configuration.md; regenerate with -Distream.docs.write=true").exists();
        assertThat(Files.readString(DOC)).isEqualTo(rendered);
        assertThat(rendered).contains("`model.head-inputs`").contains("`trainer.batch-size`")
                .contains("`scorer.max-history`").contains("`features.attribution-window`")
                .contains("`optimizer.regularization`");
    }
}
