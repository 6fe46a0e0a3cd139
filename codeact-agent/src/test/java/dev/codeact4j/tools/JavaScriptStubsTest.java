package dev.codeact4j.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.sandbox.Language;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the model is shown of tools in JavaScript, and the names they get; CodeActAgentTest calls them from Node. */
class JavaScriptStubsTest {

    static Tool search() throws Exception {
        return new Tool("search-orders", "Finds orders.\nNewest first.", new ObjectMapper().readTree("""
                {"type": "object", "required": ["customer", "filter"], "properties": {
                  "customer": {"type": "string", "description": "the customer's id"},
                  "limit": {"type": "integer", "description": "how many at most", "default": 10},
                  "status": {"enum": ["open", "shipped"]},
                  "filter": {"type": "object", "description": "what to match", "required": ["from"], "properties": {
                    "from": {"type": "string", "description": "first day, ISO"},
                    "tags": {"type": "array", "items": {"type": "string"}}}},
                  "lines": {"type": "array", "items": {"type": "object", "properties": {
                    "sku": {"type": "string", "description": "the article"}}}},
                  "odd name": {"type": ["string", "null"]}}}
                """), args -> "ok");
    }

    @Test
    void theJsDocShowsRequiredOptionalAndNestedParameters() throws Exception {
        String stubs = Tools.of(search()).stubs(Language.JAVASCRIPT);
        assertThat(stubs).isEqualTo("""
                /**
                 * Finds orders.
                 * Newest first.
                 * @param {object} args
                 * @param {string} args.customer - the customer's id
                 * @param {number} [args.limit=10] - how many at most
                 * @param {("open"|"shipped")} [args.status]
                 * @param {object} args.filter - what to match
                 * @param {string} args.filter.from - first day, ISO
                 * @param {Array<string>} [args.filter.tags]
                 * @param {Array<object>} [args.lines]
                 * @param {string} [args.lines[].sku] - the article
                 * @param {(string|null)} [args["odd name"]]
                 * @returns {Promise<any>} the tool's result; rejects with a ToolError when the tool fails
                 */
                async function search_orders(args) {}""");
    }

    @Test
    void theDefinitionCallsTheKernelWithTheToolsOwnName() throws Exception {
        String definitions = Tools.of(search()).definitions(Language.JAVASCRIPT);
        assertThat(definitions).contains("async function search_orders(args) {\n"
                + "    return await _codeact_call_tool(\"search-orders\", args ?? {});\n}");
        assertThat(Tools.of(search()).stubs(Language.JAVASCRIPT)).doesNotContain("_codeact_call_tool");
    }

    @Test
    void aToolWithoutRequiredArgumentsMayBeCalledWithNone() {
        Tool ping = Tool.builder("ping").optionalParameter("times", "integer", "how often", 1).function(args -> 1).build();
        assertThat(Tools.of(ping).stubs(Language.JAVASCRIPT)).contains("@param {object} [args]\n",
                "@param {number} [args.times=1] - how often");
        Tool bare = Tool.builder("now").function(args -> 1).build();
        assertThat(Tools.of(bare).stubs(Language.JAVASCRIPT)).isEqualTo("""
                /**
                 * Calls the host tool now.
                 * @returns {Promise<any>} the tool's result; rejects with a ToolError when the tool fails
                 */
                async function now(args) {}""");
    }

    @Test
    void namesAreValidAndHideNeitherGlobalsNorTheKernelsNames() {
        assertThat(JavaScriptStubs.identifier("get-item")).isEqualTo("get_item");
        assertThat(JavaScriptStubs.identifier("3d")).isEqualTo("_3d");
        assertThat(JavaScriptStubs.identifier("delete")).isEqualTo("delete_");
        assertThat(JavaScriptStubs.identifier("console")).isEqualTo("console_");
        assertThat(JavaScriptStubs.identifier("fetch")).isEqualTo("fetch_");
        assertThat(JavaScriptStubs.identifier("finalAnswer")).isEqualTo("finalAnswer_");
        assertThat(JavaScriptStubs.identifier("ToolError")).isEqualTo("ToolError_");
        assertThat(JavaScriptStubs.identifier("print")).as("no builtin in JavaScript").isEqualTo("print");
        Tool a = Tool.builder("console").function(args -> 1).build();
        Tool b = Tool.builder("console_").function(args -> 2).build();
        assertThatThrownBy(() -> Tools.of(a, b)).hasMessageContaining("JavaScript function console_");
    }
}
