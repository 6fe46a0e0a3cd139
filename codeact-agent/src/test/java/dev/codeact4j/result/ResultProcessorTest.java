package dev.codeact4j.result;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResultProcessorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aJsonValueStaysAsItIs() throws Exception {
        ProcessedAnswer answer = ResultProcessor.process(JSON.readTree("{\"mean\": 2.5, \"ok\": true}"), null);
        assertThat(answer.format()).isEqualTo(AnswerFormat.JSON);
        assertThat(answer.value().path("mean").asDouble()).isEqualTo(2.5);
        assertThat(answer.text()).isEqualTo("{\"mean\":2.5,\"ok\":true}");
        assertThat(ResultProcessor.process(IntNode.valueOf(7), null).value().asInt()).isEqualTo(7);
    }

    @Test
    void aStringThatLooksLikeJsonIsParsed() {
        ProcessedAnswer answer = ResultProcessor.process(TextNode.valueOf(" [1, 2, {\"a\": \"b\"}] "), null);
        assertThat(answer.format()).isEqualTo(AnswerFormat.JSON);
        assertThat(answer.value().get(2).path("a").asText()).isEqualTo("b");
        assertThat(answer.parseError()).isNull();
    }

    @Test
    void aStringThatLooksLikeCsvBecomesRowsWithNumbers() {
        ProcessedAnswer answer = ResultProcessor.process(TextNode.valueOf("ticker,return\nAAPL,0.2\nMSFT,13\n"), null);
        assertThat(answer.format()).isEqualTo(AnswerFormat.CSV);
        assertThat(answer.value().get(0).path("ticker").asText()).isEqualTo("AAPL");
        assertThat(answer.value().get(0).path("return").isNumber()).isTrue();
        assertThat(answer.value().get(1).path("return").asLong()).isEqualTo(13);
    }

    @Test
    void otherStringsAreText() {
        ProcessedAnswer answer = ResultProcessor.process(TextNode.valueOf("  Buy MSFT, hold AAPL.  "), null);
        assertThat(answer.format()).isEqualTo(AnswerFormat.TEXT);
        assertThat(answer.value().asText()).isEqualTo("Buy MSFT, hold AAPL.");
    }

    @Test
    void aForcedFormatThatFailsKeepsTheRawTextWithTheParseError() {
        ProcessedAnswer answer = ResultProcessor.processText("{'python': 'dict repr'}", AnswerFormat.JSON);
        assertThat(answer.format()).isEqualTo(AnswerFormat.JSON);
        assertThat(answer.value().asText()).isEqualTo("{'python': 'dict repr'}");
        assertThat(answer.parseError()).startsWith("not valid JSON");
    }

    @Test
    void theFormatCanBeForced() {
        assertThat(ResultProcessor.processText("a,b\n1,2", AnswerFormat.TEXT).format()).isEqualTo(AnswerFormat.TEXT);
        assertThat(ResultProcessor.processText("x\n1\n2", AnswerFormat.CSV).value().get(1).path("x").asInt()).isEqualTo(2);
    }

    @Test
    void aSchemaListsWhatIsWrong() throws Exception {
        AnswerSchema schema = AnswerSchema.parse("""
                {"type": "object", "required": ["slope", "r"],
                 "properties": {"slope": {"type": "number"}, "r": {"type": "number", "maximum": 1}}}
                """);
        assertThat(schema.violations(JSON.readTree("{\"slope\": 0.04, \"r\": 0.99}"))).isEmpty();
        assertThat(schema.violations(JSON.readTree("{\"slope\": \"steep\"}")))
                .hasSize(2).anySatisfy(v -> assertThat(v).contains("r")).anySatisfy(v -> assertThat(v).contains("slope"));
        assertThatThrownBy(() -> AnswerSchema.parse("{not json")).hasMessageContaining("not valid JSON");
    }

    @Test
    void aSchemaThatBreaksItsMetaschemaIsRefusedWithTheReason() {
        // A typo would refuse every answer; a keyword of the wrong type would be silently ignored.
        assertThatThrownBy(() -> AnswerSchema.parse("{\"type\": \"objekt\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the answer schema is not a valid JSON Schema (draft 2020-12): ")
                .hasMessageContaining("$.type");
        assertThatThrownBy(() -> AnswerSchema.parse("{\"required\": \"name\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("$.required").hasMessageContaining("array");
        assertThatThrownBy(() -> AnswerSchema.parse("""
                {"$schema": "http://json-schema.org/draft-07/schema#", "properties": {"n": {"minimum": "one"}}}"""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(draft-07)").hasMessageContaining("minimum");
        assertThat(AnswerSchema.parse("{\"$schema\": \"http://json-schema.org/draft-07/schema#\", \"type\": \"integer\"}")
                .violations(JSON.valueToTree(3))).isEmpty();
    }
}
