package dev.codeact4j.model;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A chat model that replays replies recorded earlier, in order, whatever it is asked: for demos and examples that
 * must run offline. It is labelled as such in results ({@link #name()}); it is not a model.
 */
public final class ReplayedChatModel implements ChatModel {
    private final String name;
    private final List<String> replies;
    private final AtomicInteger next = new AtomicInteger();

    public ReplayedChatModel(String name, List<String> replies) {
        this.name = name;
        this.replies = List.copyOf(replies);
    }

    /** "replayed:" and the name of the recording. */
    public String name() {
        return "replayed:" + name;
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        int index = next.getAndIncrement();
        if (index >= replies.size()) {
            throw new ModelException("the recording '" + name + "' has only " + replies.size()
                    + " replies and the run asked for more; the recording does not fit this run");
        }
        String reply = replies.get(index);
        int inputTokens = request.messages().stream().mapToInt(message -> message.toString().length() / 4).sum();
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(reply))
                .tokenUsage(new TokenUsage(inputTokens, reply.length() / 4))
                .finishReason(FinishReason.STOP)
                .modelName(name())
                .build();
    }
}
