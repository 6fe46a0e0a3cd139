/**
 * What an agent keeps across runs: the run store (SQLite), the code and answer caches, the reuse of past solutions
 * (task embeddings computed in-process by ONNX) and the execution report. Implements the agent's extension points.
 */
@SuppressWarnings("requires-automatic") // the embedding model's jar names no module
module dev.codeact4j.memory {
    requires transitive dev.codeact4j.agent;
    requires transitive java.sql;
    requires org.xerial.sqlitejdbc;
    requires langchain4j.embeddings;
    requires langchain4j.embeddings.all.minilm.l6.v2;

    exports dev.codeact4j.memory;
    exports dev.codeact4j.store;
}
