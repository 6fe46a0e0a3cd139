package dev.codeact4j.model;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Makes LangChain4j's retries honour {@code Retry-After}. LangChain4j retries 429 and 5xx answers with its own
 * backoff but never sees the header (its exceptions carry only the status and body). This client, under
 * LangChain4j's HTTP client, holds such an answer back for as long as the provider asked before handing it on,
 * so the retry that follows comes no earlier than the provider wants, and tells its {@link RetryListener} as the
 * wait begins. It retries nothing itself.
 */
final class RetryAfterHttpClient extends HttpClient {
    private final HttpClient delegate;
    private final Duration maxWait;
    private final RetryListener listener;

    RetryAfterHttpClient(HttpClient delegate, Duration maxWait, RetryListener listener) {
        this.delegate = delegate;
        this.maxWait = maxWait;
        this.listener = listener;
    }

    /**
     * A builder for LangChain4j's {@code JdkHttpClientBuilder.httpClientBuilder(...)}; {@code listener} hears of
     * each wait as it begins.
     */
    static Builder newBuilder(Duration maxWait, RetryListener listener) {
        return new DelegatingBuilder(HttpClient.newBuilder(), maxWait, listener);
    }

    /** How long the response asks the client to wait, when it is a 429 or a 5xx with a Retry-After header. */
    static Duration requestedWait(HttpResponse<?> response, Duration maxWait) {
        int status = response.statusCode();
        if (status != 429 && status < 500) {
            return Duration.ZERO;
        }
        Optional<String> header = response.headers().firstValue("Retry-After");
        if (header.isEmpty()) {
            return Duration.ZERO;
        }
        Duration wait;
        String value = header.get().strip();
        try {
            wait = Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000));
        } catch (NumberFormatException notSeconds) {
            try {
                wait = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME));
            } catch (RuntimeException notADate) {
                return Duration.ZERO;
            }
        }
        if (wait.isNegative()) {
            return Duration.ZERO;
        }
        return wait.compareTo(maxWait) > 0 ? maxWait : wait;
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        HttpResponse<T> response = delegate.send(request, handler);
        Duration wait = requestedWait(response, maxWait);
        if (!wait.isZero()) {
            tell(response.statusCode(), wait);
            Thread.sleep(wait);
        }
        return response;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return delay(delegate.sendAsync(request, handler));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
        return delay(delegate.sendAsync(request, handler, pushPromiseHandler));
    }

    private <T> CompletableFuture<HttpResponse<T>> delay(CompletableFuture<HttpResponse<T>> future) {
        return future.thenCompose(response -> {
            Duration wait = requestedWait(response, maxWait);
            if (wait.isZero()) {
                return CompletableFuture.completedFuture(response);
            }
            tell(response.statusCode(), wait);
            Executor later = CompletableFuture.delayedExecutor(wait.toMillis(), TimeUnit.MILLISECONDS);
            return CompletableFuture.supplyAsync(() -> response, later);
        });
    }

    private void tell(int status, Duration wait) {
        try {
            listener.retrying(status, wait);
        } catch (RuntimeException ignored) {
            // a broken listener must not break the model call
        }
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }

    /** Configures the real client and wraps it when built. */
    private record DelegatingBuilder(HttpClient.Builder builder, Duration maxWait, RetryListener listener)
            implements HttpClient.Builder {
        @Override
        public Builder cookieHandler(CookieHandler cookieHandler) {
            builder.cookieHandler(cookieHandler);
            return this;
        }

        @Override
        public Builder connectTimeout(Duration duration) {
            builder.connectTimeout(duration);
            return this;
        }

        @Override
        public Builder sslContext(SSLContext sslContext) {
            builder.sslContext(sslContext);
            return this;
        }

        @Override
        public Builder sslParameters(SSLParameters sslParameters) {
            builder.sslParameters(sslParameters);
            return this;
        }

        @Override
        public Builder executor(Executor executor) {
            builder.executor(executor);
            return this;
        }

        @Override
        public Builder followRedirects(Redirect policy) {
            builder.followRedirects(policy);
            return this;
        }

        @Override
        public Builder version(Version version) {
            builder.version(version);
            return this;
        }

        @Override
        public Builder priority(int priority) {
            builder.priority(priority);
            return this;
        }

        @Override
        public Builder proxy(ProxySelector proxySelector) {
            builder.proxy(proxySelector);
            return this;
        }

        @Override
        public Builder authenticator(Authenticator authenticator) {
            builder.authenticator(authenticator);
            return this;
        }

        @Override
        public HttpClient build() {
            return new RetryAfterHttpClient(builder.build(), maxWait, listener);
        }
    }
}
