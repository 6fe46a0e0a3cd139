package dev.codeact4j.tools;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

import java.nio.charset.StandardCharsets;

/**
 * Tokens as a model counts them: OpenAI's o200k_base encoding (GPT-4o's and later), by jtokkit, which
 * LangChain4j's OpenAI module already brings. Other models' tokenizers differ by some tens of percent on code
 * and English, which is close enough to choose how to list the tools and to compare listings with one another.
 * The encoding is loaded once per process, when a text is first counted that could be over the limit asked about
 * (about half a second); a text of no more bytes than the limit cannot be, since no token is shorter than a byte.
 */
public final class TokenCount {

    private TokenCount() {
    }

    // The holder idiom: loaded when first touched, once.
    private static final class Holder {
        static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    }

    /** The text's tokens in o200k_base. */
    public static int of(String text) {
        return Holder.O200K.countTokensOrdinary(text);
    }

    /** Whether the text takes more than {@code limit} tokens; without loading the encoding when it plainly does not. */
    public static boolean exceeds(String text, int limit) {
        if (text.getBytes(StandardCharsets.UTF_8).length <= limit) {
            return false;
        }
        return of(text) > limit;
    }
}
