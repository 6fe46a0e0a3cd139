package dev.codeact4j.server.web;

import dev.codeact4j.server.http.ApiException;
import dev.codeact4j.server.http.Feature;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web page at {@code /}: {@code index.html} and its assets under {@code /assets/} (plain ES modules, CSS and
 * SVG; nothing from another origin). They hold no data, so they need no token: the page takes the token from
 * the address it is opened at and sends it on every API call.
 * <p>
 * The files are resources of this jar under {@code codeact-web/}, a directory whose name is no Java package, so
 * the module system does not hide them. Each answer carries a strong ETag and {@code Cache-Control: no-cache}: a
 * browser asks again on every load and gets a 304 until the server is upgraded, so an old page never runs against
 * a new API. The page itself gets a Content-Security-Policy that allows its own scripts and styles only; what a run
 * displays goes in as text, images or a sandboxed frame, never as script.
 */
public final class WebPage implements Feature {
    private static final String ROOT = "/codeact-web/";
    /** The assets' names: lower-case words, in folders; nothing that could climb out of {@code codeact-web/}. */
    private static final Pattern ASSET = Pattern.compile("[a-z0-9-]+(?:/[a-z0-9-]+)*\\.(?<ext>js|css|svg)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml");
    /**
     * Only the page's own files; images also as data: URLs (the figures of runs); fetches to this server only;
     * frames only from srcdoc (an HTML display, sandboxed); no plugins, no base URL, not framed by another page.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";

    private record Asset(byte[] bytes, String type, String etag) {
    }

    private final Map<String, Optional<Asset>> assets = new ConcurrentHashMap<>();

    public WebPage() {
        if (asset("index.html").isEmpty()) {
            throw new IllegalStateException("the web page is missing from the jar: no resource " + ROOT + "index.html");
        }
    }

    @Override
    public void addRoutes(RoutesConfig routes) {
        routes.get("/", ctx -> {
            ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            ctx.header("Referrer-Policy", "no-referrer"); // the first address carries the token
            serve(ctx, asset("index.html").orElseThrow());
        });
        routes.get("/assets/<path>", ctx -> {
            String path = ctx.pathParam("path");
            serve(ctx, (ASSET.matcher(path).matches() ? asset(path) : Optional.<Asset>empty())
                    .orElseThrow(() -> ApiException.notFound("The page has no file /assets/" + path + ".")));
        });
    }

    private static void serve(Context ctx, Asset asset) {
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("ETag", asset.etag());
        String known = ctx.header("If-None-Match");
        if (known != null && (known.equals(asset.etag()) || known.contains(asset.etag()))) {
            ctx.status(304);
            return;
        }
        ctx.contentType(asset.type()).result(asset.bytes());
    }

    /** The resource read once and kept (the files are a few tens of kilobytes in all). */
    private Optional<Asset> asset(String path) {
        return assets.computeIfAbsent(path, WebPage::read);
    }

    private static Optional<Asset> read(String path) {
        try (InputStream in = WebPage.class.getResourceAsStream(ROOT + path)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            String extension = path.substring(path.lastIndexOf('.') + 1);
            String etag = "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 12) + "\"";
            return Optional.of(new Asset(bytes, TYPES.get(extension), etag));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the page's file " + ROOT + path, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
