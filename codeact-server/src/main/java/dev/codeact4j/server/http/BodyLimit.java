package dev.codeact4j.server.http;

import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The limit on request bodies, by their Content-Length. A body over it is read and dropped before the 413 goes out
 * (up to {@value #DRAIN_BYTES} bytes): a server that answers while the client is still sending closes the connection
 * under it, and most clients then report a reset instead of the answer. A client that sent
 * {@code Expect: 100-continue} has not sent its body yet and gets the 413 at once.
 */
public final class BodyLimit {
    private static final long DRAIN_BYTES = 16L * 1024 * 1024;

    private BodyLimit() {
    }

    /** Throws a 413 {@link ApiException} when the request's declared body is over {@code maxBodyBytes}. */
    public static void check(HttpServletRequest request, long maxBodyBytes) {
        long length = request.getContentLengthLong();
        if (length <= maxBodyBytes) {
            return;
        }
        String expect = request.getHeader("Expect");
        if (length <= DRAIN_BYTES && (expect == null || !expect.equalsIgnoreCase("100-continue"))) {
            try (InputStream body = request.getInputStream()) {
                body.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // the client went away: nobody reads the answer anyway
            }
        }
        throw ApiException.tooLarge(length, maxBodyBytes);
    }
}
