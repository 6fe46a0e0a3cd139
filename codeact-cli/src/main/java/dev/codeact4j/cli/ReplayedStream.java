package dev.codeact4j.cli;

import dev.codeact4j.model.ReplayedChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

/**
 * A replayed model's reply handed over as if streamed (in one piece), so that {@code demo} shows the model's
 * words before its code exactly as {@code run} shows a live model's.
 */
record ReplayedStream(ReplayedChatModel replayed) implements StreamingChatModel {

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        ChatResponse response;
        try {
            response = replayed.chat(request);
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        handler.onPartialResponse(response.aiMessage().text());
        handler.onCompleteResponse(response);
    }
}
