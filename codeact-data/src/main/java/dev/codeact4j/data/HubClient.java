package dev.codeact4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact4j.data.DatasetException.Kind;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few calls of the Hugging Face Hub's HTTP API that fetching a dataset needs, made as Hugging Face's own clients
 * make them: the files of a revision ({@code GET /api/datasets/OWNER/NAME/tree/REVISION?recursive=true}, page by
 * page), and a file ({@code GET /datasets/OWNER/NAME/resolve/REVISION/PATH}, following the Hub's redirects to its
 * download host). The token goes as a bearer token to the endpoint only, never to the host a redirect leads to.
 * Errors are read as the Hub writes them ({@code X-Error-Code}: RepoNotFound, RevisionNotFound, GatedRepo) and say
 * what to do.
 */
final class HubClient {
    static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NEXT_PAGE = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"next\"");
    private static final int MAX_REDIRECTS = 10;
    private static final Duration API_TIMEOUT = Duration.ofSeconds(60);

    /** A file of a revision: its path, its size, and its SHA-256 when the Hub stores it with LFS (null otherwise). */
    record HubFile(String path, long size, String sha256) {
    }

    /** What a download brought: its bytes, and the commit the Hub served it from (null when it did not say). */
    record Downloaded(long bytes, String commit) {
    }

    private final URI endpoint;
    private final String token;
    private final HttpClient http;

    HubClient(String endpoint, String token) {
        this.endpoint = URI.create(stripSlash(Objects.requireNonNull(endpoint, "endpoint")));
        this.token = token == null || token.isBlank() ? null : token.strip();
        // Redirects are followed here, by hand: the token must not go along to another host.
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(20)).build();
    }

    String endpoint() {
        return endpoint.toString();
    }

    /**
     * The files of a revision of the dataset, or empty when the dataset has no such revision (the Hub answers 404
     * with {@code X-Error-Code: RevisionNotFound}).
     */
    Optional<List<HubFile>> tree(DatasetSpec dataset, String revision) {
        List<HubFile> files = new ArrayList<>();
        URI page = URI.create(endpoint + "/api/datasets/" + dataset.repo() + "/tree/" + encode(revision)
                + "?recursive=true&expand=false");
        while (page != null) {
            HttpResponse<InputStream> response = send(page, dataset, API_TIMEOUT);
            try (InputStream body = response.body()) {
                if (response.statusCode() == 404
                        && "RevisionNotFound".equals(response.headers().firstValue("X-Error-Code").orElse(null))) {
                    return Optional.empty();
                }
                if (response.statusCode() != 200) {
                    throw failure(response, body, dataset);
                }
                JsonNode entries = JSON.readTree(body);
                if (!entries.isArray()) {
                    throw new DatasetException(Kind.FAILED, "the Hub's list of the files of " + dataset.repo()
                            + " is not a JSON array; is " + endpoint + " (HF_ENDPOINT) a Hugging Face Hub?");
                }
                for (JsonNode entry : entries) {
                    if ("file".equals(entry.path("type").asText())) {
                        JsonNode lfs = entry.path("lfs");
                        files.add(new HubFile(entry.path("path").asText(), entry.path("size").asLong(-1),
                                lfs.isObject() ? lfs.path("oid").asText(null) : null));
                    }
                }
            } catch (IOException e) {
                throw new DatasetException(Kind.FAILED, "the Hub's list of the files of " + dataset.repo()
                        + " could not be read: " + e.getMessage(), e);
            }
            page = response.headers().allValues("Link").stream()
                    .map(NEXT_PAGE::matcher).filter(Matcher::find).findFirst()
                    .map(next -> onEndpoint(URI.create(next.group(1)))).orElse(null);
        }
        return Optional.of(List.copyOf(files));
    }

    /**
     * Downloads a file of a revision to {@code target}, refusing more than {@code maxBytes}, and checks its SHA-256
     * when the Hub gave one.
     */
    Downloaded download(DatasetSpec dataset, String revision, HubFile file, Path target, long maxBytes) {
        StringBuilder path = new StringBuilder();
        for (String segment : file.path().split("/")) {
            path.append('/').append(encode(segment));
        }
        URI uri = URI.create(endpoint + "/datasets/" + dataset.repo() + "/resolve/" + encode(revision) + path);
        String commit = null;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpResponse<InputStream> response = send(uri, dataset, null);
            commit = commit != null ? commit : response.headers().firstValue("X-Repo-Commit").orElse(null);
            int status = response.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                close(response);
                String location = response.headers().firstValue("Location").orElseThrow(() -> new DatasetException(
                        Kind.FAILED, "the Hub redirected the download of " + file.path() + " without saying where to"));
                uri = onEndpoint(uri.resolve(location));
                continue;
            }
            try (InputStream body = response.body()) {
                if (status != 200) {
                    throw failure(response, body, dataset);
                }
                return new Downloaded(copy(body, target, file, maxBytes, dataset), commit);
            } catch (IOException e) {
                throw new DatasetException(Kind.FAILED, "the download of " + file.path() + " of " + dataset.repo()
                        + " broke off: " + e.getMessage() + "; run again to retry", e);
            }
        }
        throw new DatasetException(Kind.FAILED, "the download of " + file.path() + " of " + dataset.repo()
                + " was redirected more than " + MAX_REDIRECTS + " times");
    }

    private static long copy(InputStream body, Path target, HubFile file, long maxBytes, DatasetSpec dataset)
            throws IOException {
        MessageDigest sha256 = sha256();
        long total = 0;
        byte[] buffer = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(target)) {
            for (int read; (read = body.read(buffer)) >= 0; ) {
                total += read;
                if (total > maxBytes) {
                    throw new DatasetException(Kind.TOO_LARGE, "the data files of " + dataset.repo() + " are over the "
                            + "size limit of " + DataListing.size(maxBytes) + " (at " + file.path()
                            + "): name a smaller split, or raise the limit (--dataset-max-mb)");
                }
                sha256.update(buffer, 0, read);
                out.write(buffer, 0, read);
            }
        }
        if (file.sha256() != null && !file.sha256().equalsIgnoreCase(HexFormat.of().formatHex(sha256.digest()))) {
            throw new DatasetException(Kind.FAILED, "the download of " + file.path() + " of " + dataset.repo()
                    + " does not have the SHA-256 the Hub lists for it: it was damaged on the way; run again to retry");
        }
        return total;
    }

    /** Sends a GET, with the token when it goes to the endpoint; a Hub that cannot be reached is said so. */
    private HttpResponse<InputStream> send(URI uri, DatasetSpec dataset, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().header("User-Agent", "codeact4j");
        if (timeout != null) {
            request.timeout(timeout);
        }
        if (token != null && sameOrigin(uri, endpoint)) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(e, uri, dataset);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatasetException(Kind.FAILED, "interrupted while fetching " + dataset.repo(), e);
        }
    }

    private DatasetException unreachable(IOException e, URI uri, DatasetSpec dataset) {
        String why = null;
        for (Throwable cause = e; cause != null && why == null; cause = cause.getCause()) {
            if (cause instanceof ConnectException) {
                why = "connection refused";
            } else if (cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
                why = "its name " + uri.getHost() + " does not resolve";
            } else if (cause instanceof HttpConnectTimeoutException) {
                why = "no answer to the connection in 20 s";
            } else if (cause instanceof HttpTimeoutException) {
                why = "no answer in " + API_TIMEOUT.toSeconds() + " s";
            }
        }
        if (why == null) {
            return new DatasetException(Kind.FAILED, "fetching " + dataset.repo() + " from " + uri.getScheme() + "://"
                    + uri.getAuthority() + " failed: " + e, e);
        }
        boolean hub = sameOrigin(uri, endpoint);
        return new DatasetException(Kind.UNREACHABLE, "cannot reach " + (hub ? "the Hugging Face Hub at " + endpoint
                : "the Hub's download host " + uri.getScheme() + "://" + uri.getAuthority()) + " (" + why + ") to fetch "
                + dataset.repo() + ": check the network connection" + (hub ? ", or HF_ENDPOINT if you use a mirror" : "")
                + "; datasets fetched before are used from the cache without the network", e);
    }

    /** What an error status of the Hub means for this dataset, read as huggingface_hub reads it. */
    private DatasetException failure(HttpResponse<?> response, InputStream body, DatasetSpec dataset) {
        int status = response.statusCode();
        String code = response.headers().firstValue("X-Error-Code").orElse("");
        String said = serverMessage(response, body);
        String page = endpoint + "/datasets/" + dataset.repo();
        if (code.equals("GatedRepo")) {
            return new DatasetException(Kind.NOT_AUTHORIZED, token == null
                    ? dataset.repo() + " is a gated dataset (the Hub answered " + status + "): accept its conditions at "
                    + page + ", then set HF_TOKEN to an access token of that account (" + endpoint + "/settings/tokens)"
                    : "the account of HF_TOKEN has no access to the gated dataset " + dataset.repo() + " (the Hub answered "
                    + status + "): accept its conditions, or ask for access, at " + page);
        }
        if (code.equals("RepoNotFound") && token == null) {
            // To a caller without a token the Hub answers the same (401) for a dataset that does not exist and for a
            // private one: both are said.
            return new DatasetException(Kind.NOT_FOUND, "there is no dataset " + dataset.repo() + " on the Hugging Face "
                    + "Hub at " + endpoint + " (" + status + "), or it is private: check its name, as in " + page
                    + "; if it is private, set HF_TOKEN to an access token of an account that may read it ("
                    + endpoint + "/settings/tokens)");
        }
        if (status == 401 && token == null) {
            return new DatasetException(Kind.NOT_AUTHORIZED, "the Hub refused " + dataset.repo() + " without a token "
                    + "(401" + (said.isEmpty() ? "" : ": " + said) + "): set HF_TOKEN to an access token of an account "
                    + "that may read it (" + endpoint + "/settings/tokens)");
        }
        if (status == 401) {
            return new DatasetException(Kind.NOT_AUTHORIZED, "the Hub refused HF_TOKEN for " + dataset.repo() + " (401"
                    + (said.isEmpty() ? "" : ": " + said) + "): check that the token is valid and not expired ("
                    + endpoint + "/settings/tokens)");
        }
        if (status == 403) {
            return new DatasetException(Kind.NOT_AUTHORIZED, "the Hub refused access to " + dataset.repo() + " (403"
                    + (said.isEmpty() ? "" : ": " + said) + ")" + (token == null ? ": set HF_TOKEN to an access token of "
                    + "an account that may read it" : ": the account of HF_TOKEN may not read it; ask for access at " + page));
        }
        if (status == 404 || code.equals("RepoNotFound")) {
            return new DatasetException(Kind.NOT_FOUND, "there is no dataset " + dataset.repo() + " on the Hugging Face "
                    + "Hub at " + endpoint + " (404" + (said.isEmpty() ? "" : ": " + said) + "): check its name, as in "
                    + page + (token == null ? "; a private one needs HF_TOKEN" : ""));
        }
        return new DatasetException(Kind.FAILED, "the Hub answered " + status + " for " + dataset.repo()
                + (said.isEmpty() ? "" : ": " + said) + (status >= 500 ? "; try again later" : ""));
    }

    /** The Hub's own words: X-Error-Message, else the body's {"error": ...}, else a short plain body. */
    private static String serverMessage(HttpResponse<?> response, InputStream body) {
        Optional<String> header = response.headers().firstValue("X-Error-Message");
        if (header.isPresent()) {
            return header.get().strip();
        }
        try {
            String text = new String(body.readNBytes(4096), StandardCharsets.UTF_8).strip();
            if (text.startsWith("{")) {
                JsonNode error = JSON.readTree(text).path("error");
                return error.isTextual() ? error.asText().strip() : "";
            }
            String type = response.headers().firstValue("Content-Type").orElse("");
            return type.contains("html") || text.length() > 300 ? "" : text;
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * A URL the Hub gave, pointed at the endpoint: with HF_ENDPOINT set (a mirror, a proxy), the Hub's own address in
     * it is replaced by the endpoint's, as huggingface_hub does.
     */
    private URI onEndpoint(URI uri) {
        String text = uri.toString();
        if (!endpoint.toString().equals(DEFAULT_ENDPOINT) && text.startsWith(DEFAULT_ENDPOINT + "/")) {
            return URI.create(endpoint + text.substring(DEFAULT_ENDPOINT.length()));
        }
        return uri;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** A path segment or a revision, percent-encoded ({@code refs/convert/parquet} is {@code refs%2Fconvert%2Fparquet}). */
    static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String stripSlash(String url) {
        String stripped = url.strip();
        while (stripped.endsWith("/")) {
            stripped = stripped.substring(0, stripped.length() - 1);
        }
        return stripped;
    }

    private static void close(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // a redirect's body: nothing in it matters
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
