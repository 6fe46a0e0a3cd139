package dev.codeact4j.server.web;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Debian's headless Chromium driven through its own chromedriver, for the page's tests: nothing is downloaded
 * (Selenium Manager is not asked, since both paths are given). {@code ./test} installs both packages
 * ({@code scripts/lib.sh} ensure_test_browser); without them the tests fail and say how to get them.
 */
final class Browser implements AutoCloseable {
    /** A phone's viewport (an iPhone's 375 CSS pixels) and a laptop's. */
    static final Viewport PHONE = new Viewport("phone", 375, 812, true);
    static final Viewport LAPTOP = new Viewport("laptop", 1280, 900, false);

    record Viewport(String name, int width, int height, boolean mobile) {
    }

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final ChromeDriver driver;
    private final Path screenshots;

    private Browser(ChromeDriver driver, Path screenshots) {
        this.driver = driver;
        this.screenshots = screenshots;
    }

    /** Starts headless Chromium; screenshots go to {@code screenshots}. */
    static Browser start(Path screenshots) {
        Path chromium = Path.of(System.getProperty("codeact.chromium", "/usr/bin/chromium"));
        Path chromedriver = Path.of(System.getProperty("codeact.chromedriver", "/usr/bin/chromedriver"));
        for (Path needed : List.of(chromium, chromedriver)) {
            if (!Files.isExecutable(needed)) {
                throw new IllegalStateException("The page's tests need Chromium and its driver, and " + needed
                        + " is missing. Install them with: sudo apt-get install chromium chromium-driver (./test does "
                        + "it), or name others with -Dcodeact.chromium=PATH -Dcodeact.chromedriver=PATH.");
            }
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        // --no-sandbox: the tests run as root, where Chromium's own sandbox cannot start; the page is ours.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=" + LAPTOP.width() + "," + LAPTOP.height(), "--lang=en-US");
        try {
            Files.createDirectories(screenshots);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Browser(new ChromeDriver(service, options), screenshots);
    }

    WebDriver driver() {
        return driver;
    }

    void open(String url) {
        driver.get(url);
    }

    /** Goes to a route of the page (#/runs, ...) without reloading it, as a click on a link does. */
    void go(String hash) {
        driver.executeScript("location.hash = arguments[0]", hash);
    }

    /** Emulates the viewport (its CSS width, and a touch phone's or not). */
    void viewport(Viewport viewport) {
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", viewport.width(),
                "height", viewport.height(), "deviceScaleFactor", viewport.mobile() ? 2 : 1, "mobile", viewport.mobile()));
    }

    /** Waits (a minute at most) until {@code condition} gives something other than null or false. */
    <T> T await(String what, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT).withMessage(what).until(condition);
    }

    WebElement awaitElement(String css) {
        return await("an element " + css, driver -> driver.findElements(By.cssSelector(css)).stream()
                .filter(WebElement::isDisplayed).findFirst().orElse(null));
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    @SuppressWarnings("unchecked")
    <T> T script(String script, Object... arguments) {
        return (T) ((JavascriptExecutor) driver).executeScript(script, arguments);
    }

    /** How far the page is wider than its viewport, in CSS pixels (0: nothing scrolls sideways). */
    long horizontalOverflow() {
        Number overflow = script("return document.documentElement.scrollWidth - document.documentElement.clientWidth");
        return overflow.longValue();
    }

    /** The whole page (beyond the viewport) as {@code NAME-VIEWPORT.png}, for people to look at. */
    Path screenshot(String name, Viewport viewport) {
        @SuppressWarnings("unchecked")
        Map<String, Number> size = (Map<String, Number>) driver.executeCdpCommand("Page.getLayoutMetrics", Map.of())
                .get("cssContentSize");
        Map<String, Object> clip = Map.of("x", 0, "y", 0, "scale", 1,
                "width", Math.max(viewport.width(), size.get("width").doubleValue()),
                "height", Math.min(8000, size.get("height").doubleValue()));
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot",
                Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
        Path file = screenshots.resolve(name + "-" + viewport.name() + ".png");
        try {
            Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
