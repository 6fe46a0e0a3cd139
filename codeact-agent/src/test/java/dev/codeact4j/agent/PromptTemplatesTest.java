package dev.codeact4j.agent;

import dev.codeact4j.sandbox.Language;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The prompts of each language: JavaScript's own where the wording differs, Python's elsewhere; files override both. */
class PromptTemplatesTest {

    @Test
    void javaScriptHasItsOwnRulesAndAdviceAndSharesTheRest() {
        PromptTemplates python = PromptTemplates.defaults(Language.PYTHON);
        PromptTemplates javascript = PromptTemplates.defaults(Language.JAVASCRIPT);

        assertThat(python).isEqualTo(PromptTemplates.defaults());
        assertThat(javascript.system()).contains("Node.js", "require(", "console.log").doesNotContain("pandas");
        assertThat(javascript.simple()).contains("Node.js").doesNotContain("pandas");
        assertThat(javascript.pattern(TaskPattern.DATA_ANALYSIS)).contains("simple-statistics").doesNotContain("pandas");
        assertThat(javascript.pattern(TaskPattern.MACHINE_LEARNING)).doesNotContain("pandas");
        assertThat(javascript.pattern(TaskPattern.WEB_SCRAPING)).contains("fetch(");
        assertThat(javascript.pattern(TaskPattern.GENERAL)).isEqualTo(python.pattern(TaskPattern.GENERAL));
        assertThat(javascript.noCode()).isEqualTo(python.noCode());
        assertThat(javascript.reuse()).isEqualTo(python.reuse()).contains("```{{language}}");
    }

    @Test
    void aDirectorysFilesReplaceTheTemplatesOfTheirNames(@TempDir Path directory) throws Exception {
        Files.writeString(directory.resolve("system.txt"), "Write {{language}}.");

        PromptTemplates overridden = PromptTemplates.defaults(Language.JAVASCRIPT).overriddenBy(directory);

        assertThat(overridden.system()).isEqualTo("Write {{language}}.");
        assertThat(overridden.simple()).isEqualTo(PromptTemplates.defaults(Language.JAVASCRIPT).simple());
    }
}
