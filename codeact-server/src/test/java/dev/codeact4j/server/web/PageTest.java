package dev.codeact4j.server.web;

import dev.codeact4j.agent.AgentResult;
import dev.codeact4j.agent.CodeActAgent;
import dev.codeact4j.model.ChatModels;
import dev.codeact4j.model.ModelSettings;
import dev.codeact4j.model.ModelSpec;
import dev.codeact4j.sandbox.Sandbox;
import dev.codeact4j.server.CodeactServer;
import dev.codeact4j.server.settings.RunAgents;
import dev.codeact4j.store.RunStore;
import dev.codeact4j.testing.ScriptedModelServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page in real headless Chromium against a real server on loopback: a real sandbox, a real run store and a
 * scripted model speaking the OpenAI protocol. A run is started and watched from the page, then found in the
 * history, on its own page and in the report's charts; a CSV answer is a table, HTML the code displays a frame in
 * which no script runs; a console session keeps its state; the page without its
 * token says where to find it; nothing scrolls sideways at a phone's width. Screenshots at a laptop's and a phone's
 * width go to target/screenshots/ for people to look at.
 */
class PageTest {
    private static final String MODEL = "openai:scripted";
    private static final Path SCREENSHOTS = Path.of(System.getProperty("basedir", "."), "target", "screenshots");

    @TempDir
    static Path home;

    private static ScriptedModelServer model;
    private static RunStore store;
    private static Sandbox sandbox;
    private static CodeactServer server;
    private static Browser browser;
    /** A run recorded before the tests, through the library, with a failed step: for the report and the phone. */
    private static String recordedRun;

    @BeforeAll
    static void start() {
        browser = Browser.start(SCREENSHOTS); // first: without Chromium, the tests fail here and say how to get it
        model = ScriptedModelServer.openAi();
        store = RunStore.openIn(home);
        sandbox = Sandbox.create();
        model.reply("Read them.\n```python\nreadings = [3, 5, 8]\nprint(readings[3])\n```", 300, 20)
                .reply("Index 3 is past the end; sum them.\n```python\nfinal_answer({'total': sum(readings)})\n```", 420, 12);
        AgentResult result = agent(null).run("Add up the readings 3, 5 and 8.");
        assertThat(result.success()).isTrue();
        recordedRun = result.runId();
        RunAgents agents = request -> agent(request.maxSteps());
        server = CodeactServer.builder().port(0).sandbox(sandbox).store(store)
                .models(MODEL, List.of("openai:another"))
                .agents(agents)
                .log(new PrintWriter(new StringWriter()))
                .start();
    }

    /** An agent as codeact serve makes one: the model, the sandbox, and the run store recording each step. */
    private static CodeActAgent agent(Integer maxSteps) {
        ChatModels models = ChatModels.create(ModelSpec.parse(MODEL), ModelSettings.defaults()
                .withBaseUrl(model.baseUrl()).withApiKey("k").withTimeout(Duration.ofSeconds(30)), Map.of());
        CodeActAgent.Builder builder = CodeActAgent.builder().models(models).sandbox(sandbox).listener(store.recorder());
        if (maxSteps != null) {
            builder.maxSteps(maxSteps);
        }
        return builder.build();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
        if (model != null) {
            model.close();
        }
    }

    @BeforeEach
    void laptop() {
        browser.viewport(Browser.LAPTOP);
    }

    @Test
    void aRunIsWatchedLiveFromTheTaskToTheAnswerThenFoundInTheHistoryAndOnItsOwnPage() {
        // Step 1 prints a reading every 1.5 s: its output shows while the run is still under way.
        model.reply("I will read the readings one at a time.\n```python\nimport time\nreadings = []\n"
                        + "for value in [3, 5, 8]:\n    readings.append(value)\n    print(f'read {value}', flush=True)\n"
                        + "    time.sleep(1.5)\nprint('all read')\n```", 200, 30)
                .reply("Now the plot, and the answer.\n```python\nimport matplotlib.pyplot as plt\n"
                        + "fig, ax = plt.subplots(figsize=(4, 3))\nax.plot(readings, marker='o')\nplt.show()\n"
                        + "final_answer({'total': sum(readings), 'readings': readings})\n```", 260, 40);
        browser.open(server.readyUrl().toString());
        assertThat(browser.driver().getCurrentUrl()).doesNotContain("token=").doesNotContain(server.token());

        WebElement task = browser.awaitElement("#task");
        assertThat(new Select(browser.awaitElement("select#model")).getFirstSelectedOption().getText())
                .isEqualTo(MODEL + " (default)");
        task.sendKeys("Read the readings 3, 5 and 8 slowly, plot them and give their total.");
        browser.awaitElement("#start").click();

        String runId = browser.await("the run's own page", driver -> {
            String hash = browser.<String>script("return location.hash");
            return hash.startsWith("#/runs/") ? hash.substring("#/runs/".length()) : null;
        });
        // One look at the page as it is (one script, so that all of it is of the same moment).
        Map<String, Object> live = browser.await("step 1's first output while the run is under way", driver -> {
            Map<String, Object> now = browser.script("""
                    const output = document.querySelector('.step[data-step="0"] pre.output');
                    return {output: output ? output.textContent : '',
                            status: document.querySelector('.run-status .badge')?.dataset.status,
                            answer: !document.querySelector('.answer').hidden,
                            steps: document.querySelectorAll('.step').length};""");
            return ((String) now.get("output")).contains("read 3") ? now : null;
        });
        assertThat(live.get("status")).isEqualTo("running");
        assertThat(live.get("answer")).isEqualTo(false);
        assertThat((String) live.get("output")).doesNotContain("all read");
        assertThat(browser.all(".step[data-step=\"0\"] pre.code .tok-keyword")).isNotEmpty(); // highlighted
        assertThat(browser.all(".step[data-step=\"0\"] .model-text").get(0).getText())
                .contains("one at a time").doesNotContain("```");
        browser.screenshot("run-live", Browser.LAPTOP);

        WebElement answer = browser.awaitElement(".answer pre.json");
        assertThat(answer.getText()).contains("\"total\": 16").contains("\"readings\": [");
        browser.await("the run's end", driver -> "succeeded".equals(browser.script(
                "return document.querySelector('.run-status .badge')?.dataset.status")));
        assertThat(browser.all(".step")).hasSize(2);
        assertThat(browser.all(".step[data-step=\"0\"] pre.output").get(0).getText())
                .contains("read 3\nread 5\nread 8\nall read");
        WebElement figure = browser.awaitElement(".step[data-step=\"1\"] .display-image img");
        Number width = browser.await("the figure loaded", driver -> browser.<Boolean>script(
                "return arguments[0].complete", figure) ? browser.<Number>script("return arguments[0].naturalWidth", figure) : null);
        assertThat(width.intValue()).isGreaterThan(100);
        browser.screenshot("run", Browser.LAPTOP);

        browser.go("#/runs");
        WebElement row = browser.awaitElement("tr[data-run=\"" + runId + "\"]");
        assertThat(row.getText()).contains("succeeded").contains(MODEL).contains("Read the readings 3, 5 and 8 slowly");
        assertThat(row.findElement(By.cssSelector("td[data-label=\"steps\"]")).getText()).isEqualTo("2");
        browser.screenshot("history", Browser.LAPTOP);
        WebElement filter = browser.awaitElement("#q");
        filter.sendKeys("slowly", Keys.ENTER);
        browser.await("the filter in the address", driver -> driver.getCurrentUrl().contains("q=slowly"));
        browser.await("only the run of the filter", driver -> browser.all("tr.run-row").size() == 1
                && browser.all("tr[data-run=\"" + runId + "\"]").size() == 1);
        browser.go("#/runs?q=no-task-says-this");
        browser.awaitElement(".history .empty");

        browser.go("#/runs");
        browser.awaitElement("tr[data-run=\"" + runId + "\"] td.task-cell").click();
        browser.await("the run's page", driver -> driver.getCurrentUrl().endsWith("#/runs/" + runId));
        // Its own page, every step as codeact show shows it (replayed from the events the server keeps a while).
        browser.await("both steps", driver -> browser.all(".step").size() == 2);
        assertThat(browser.awaitElement(".run-status .badge").getText()).isEqualTo("succeeded");
        assertThat(browser.all(".step[data-step=\"0\"] pre.output").get(0).getText()).contains("read 8\nall read");
        assertThat(browser.all(".step[data-step=\"1\"] pre.code").get(0).getText()).contains("final_answer(");
        assertThat(browser.awaitElement(".answer pre.json").getText()).contains("\"total\": 16");
        assertThat(browser.awaitElement(".run-head .task").getText()).contains("slowly");
        assertThat(browser.all(".step[data-step=\"1\"] .display-image img")).hasSize(1);
    }

    @Test
    void aCsvAnswerIsATableAndHtmlTheCodeDisplaysStaysInAFrameWhereNoScriptRuns() {
        // The kernels display no HTML of their own; code that forges a display (as this does) must not reach the page.
        model.reply("A styled heading first.\n```python\ndisplay.__self__.emit_display('text/html', "
                        + "\"<h1>High temperatures</h1><p id='note'>unscripted</p><script>"
                        + "document.getElementById('note').textContent = 'scripted'; parent.document.title = 'scripted'"
                        + "</script>\")\nprint('shown')\n```", 200, 30)
                .reply("Now the table.\n```python\nfinal_answer('city,high\\nParis,21\\nRome,25.5\\n')\n```", 220, 20);
        browser.open(server.readyUrl().toString());
        String title = browser.driver().getTitle();
        browser.awaitElement("#task").sendKeys("Give the highs of Paris and Rome as CSV.");
        browser.awaitElement("details.options summary").click();
        new Select(browser.awaitElement("select#format")).selectByValue("csv");
        browser.awaitElement("#start").click();

        WebElement table = browser.awaitElement(".answer table.data");
        assertThat(browser.awaitElement(".answer h3").getText()).isEqualTo("Answer (csv)");
        assertThat(table.findElements(By.cssSelector("thead th"))).extracting(WebElement::getText)
                .containsExactly("city", "high");
        assertThat(table.findElements(By.cssSelector("tbody tr"))).extracting(WebElement::getText)
                .containsExactly("Paris 21", "Rome 25.5");

        WebElement frame = browser.awaitElement(".step[data-step=\"0\"] iframe.display-html");
        assertThat(frame.getAttribute("sandbox")).as("sandboxed, scripts not allowed").isNotNull()
                .doesNotContain("allow-scripts");
        assertThat(frame.getAttribute("srcdoc")).contains("<h1>High temperatures</h1>");
        browser.driver().switchTo().frame(frame);
        try {
            assertThat(browser.driver().findElement(By.tagName("h1")).getText()).isEqualTo("High temperatures");
            assertThat(browser.driver().findElement(By.id("note")).getText()).as("its script did not run")
                    .isEqualTo("unscripted");
        } finally {
            browser.driver().switchTo().defaultContent();
        }
        assertThat(browser.driver().getTitle()).isEqualTo(title);
        browser.screenshot("run-csv-html", Browser.LAPTOP);
    }

    @Test
    void aRunTheServerKnowsOnlyFromTheStoreIsShownAsCodeactShowShowsIt() {
        browser.open(server.readyUrl() + "#/runs/" + recordedRun);
        browser.await("both steps", driver -> browser.all(".step").size() == 2);
        assertThat(browser.awaitElement(".run-status .badge").getText()).isEqualTo("succeeded");
        assertThat(browser.awaitElement(".run-head .task").getText()).isEqualTo("Add up the readings 3, 5 and 8.");
        WebElement failed = browser.awaitElement(".step[data-step=\"0\"]");
        assertThat(failed.getAttribute("data-state")).isEqualTo("failed");
        assertThat(failed.findElement(By.cssSelector(".traceback")).getText()).contains("<cell-");
        assertThat(failed.findElement(By.cssSelector(".error-summary")).getText()).contains("IndexError");
        assertThat(browser.awaitElement(".step[data-step=\"1\"] .step-outcome").getText()).contains("final answer");
        assertThat(browser.awaitElement(".answer pre.json").getText()).contains("\"total\": 16");
        assertThat(browser.awaitElement(".run-head .facts").getText()).contains(MODEL).contains("720 in");
    }

    @Test
    void aRunThatFailsSaysWhy() {
        model.fail(401, "Incorrect API key provided: sk-scripted.", Map.of());
        browser.open(server.readyUrl().toString());
        browser.awaitElement("#task").sendKeys("Anything at all.");
        browser.awaitElement("#start").click();
        WebElement why = browser.awaitElement(".answer .error-box");
        assertThat(browser.awaitElement(".run-status .badge").getText()).isEqualTo("failed");
        assertThat(why.getText()).contains("refused the API key").contains("model_error");
        browser.screenshot("run-failed", Browser.LAPTOP);
    }

    @Test
    void aRunIsCancelledFromItsPage() {
        model.reply("This takes a while.\n```python\nimport time\nprint('waiting', flush=True)\ntime.sleep(120)\n```");
        browser.open(server.readyUrl().toString());
        browser.awaitElement("#task").sendKeys("Wait for two minutes.");
        browser.awaitElement("#start").click();
        browser.await("the code running", driver -> browser.all(".step pre.output").stream()
                .anyMatch(output -> output.getText().contains("waiting")));
        browser.awaitElement(".run-title button.danger").click();
        browser.await("the run cancelled", driver -> "cancelled".equals(browser.script(
                "return document.querySelector('.run-status .badge')?.dataset.status")));
        assertThat(browser.awaitElement(".answer .error-box").getText()).contains("cancelled");
        assertThat(browser.all(".run-title button.danger").get(0).isDisplayed()).isFalse();
    }

    @Test
    void aServerThatGoesAwayIsSaidAndThePageCarriesOnWhenItIsBack() {
        CodeactServer first = CodeactServer.builder().port(0).sandbox(sandbox).store(store).agents(request -> agent(null))
                .log(new PrintWriter(new StringWriter())).start();
        int port = first.port();
        String token = first.token();
        CodeactServer again = null;
        try {
            browser.open(first.readyUrl() + "#/runs");
            browser.awaitElement("table.runs");
            first.close();
            browser.go("#/report");
            WebElement banner = browser.awaitElement("#banner");
            assertThat(banner.getText()).contains("cannot be reached").contains("127.0.0.1:" + port);
            assertThat(browser.awaitElement("main .error-box").getText()).contains("cannot be reached");
            browser.screenshot("unreachable", Browser.LAPTOP);

            again = CodeactServer.builder().port(port).token(token).sandbox(sandbox).store(store)
                    .agents(request -> agent(null)).log(new PrintWriter(new StringWriter())).start();
            browser.awaitElement(".charts svg"); // the report asked again by itself once the server answered
            assertThat(browser.<Boolean>script("return document.getElementById('banner').hidden")).isTrue();
        } finally {
            first.close();
            if (again != null) {
                again.close();
            }
        }
    }

    @Test
    void theReportDrawsItsCharts() {
        browser.open(server.readyUrl() + "#/report");
        WebElement headline = browser.awaitElement(".headline");
        assertThat(headline.getText()).contains("RUNS").contains("P95 DURATION");
        browser.awaitElement(".charts svg.bars-with-rate rect.bar");
        assertThat(browser.all("svg.lines circle.dot")).isNotEmpty();
        List<WebElement> errors = browser.all("svg.horizontal-bars");
        assertThat(errors).isNotEmpty();
        String charts = browser.awaitElement(".charts").getText();
        assertThat(charts).contains("Common errors").contains("IndexError").contains("Tokens by model").contains(MODEL);
        browser.screenshot("report", Browser.LAPTOP);
    }

    @Test
    void theConsoleKeepsTheStateBetweenExecutions() {
        browser.open(server.readyUrl() + "#/console");
        new Select(browser.awaitElement("#session-language")).selectByValue("python");
        browser.awaitElement("#new-session").click();
        browser.await("the session's page", driver -> driver.getCurrentUrl().contains("#/console/"));

        WebElement code = browser.awaitElement("#code");
        code.sendKeys("x = 21\nprint('x is', x)");
        code.sendKeys(Keys.chord(Keys.CONTROL, Keys.ENTER));
        browser.await("the first execution", driver -> browser.all(".cell[data-state=\"ok\"]").size() == 1);
        assertThat(browser.all(".cell pre.output").get(0).getText()).isEqualTo("x is 21");

        browser.awaitElement("#code").sendKeys("x * 2");
        browser.awaitElement("#run-code").click();
        browser.await("the second execution", driver -> browser.all(".cell[data-state]").size() == 2);
        assertThat(browser.all(".cell").get(1).findElement(By.cssSelector("pre.result")).getText()).isEqualTo("=> 42");

        browser.awaitElement("#code").sendKeys("1 / 0");
        browser.awaitElement("#run-code").click();
        browser.await("the failed execution", driver -> browser.all(".cell[data-state=\"failed\"]").size() == 1);
        WebElement failed = browser.all(".cell").get(2);
        assertThat(failed.findElement(By.cssSelector(".traceback")).getText()).contains("<cell-");
        assertThat(failed.findElement(By.cssSelector(".error-summary")).getText()).contains("ZeroDivisionError");

        browser.awaitElement("#code").sendKeys("import matplotlib.pyplot as plt\nplt.plot([x, x * 2, x])\nplt.show()");
        browser.awaitElement("#run-code").click();
        WebElement figure = browser.awaitElement(".cell:nth-child(4) .display-image img");
        Number width = browser.await("the console's figure loaded", driver -> browser.<Boolean>script(
                "return arguments[0].complete", figure) ? browser.<Number>script("return arguments[0].naturalWidth", figure) : null);
        assertThat(width.intValue()).isGreaterThan(100);
        browser.screenshot("console-session", Browser.LAPTOP);

        browser.awaitElement("#close-session").click();
        browser.await("the list of sessions", driver -> driver.getCurrentUrl().endsWith("#/console"));
        browser.awaitElement(".sessions .empty");
    }

    @Test
    void withoutItsTokenThePageSaysWhereToFindIt() {
        browser.open(server.url().toString());
        browser.script("sessionStorage.clear()");
        browser.open(server.url() + "#/runs");
        assertThat(browser.awaitElement("#unauthorized").getText()).contains("needs its token").contains("codeact serve");

        browser.open(server.url() + "?token=" + "0".repeat(48) + "#/runs");
        WebElement refused = browser.await("the server's refusal", driver -> {
            List<WebElement> box = browser.all("#unauthorized .error-box");
            return box.isEmpty() ? null : box.get(0);
        });
        assertThat(refused.getText()).contains("not this server's");
        browser.screenshot("no-token", Browser.LAPTOP);

        browser.awaitElement("#token-input").sendKeys(server.token(), Keys.ENTER);
        browser.awaitElement("table.runs");
    }

    @Test
    void atAPhonesWidthNothingScrollsSideways() {
        browser.open(server.readyUrl().toString());
        for (Browser.Viewport viewport : List.of(Browser.PHONE, Browser.LAPTOP)) {
            browser.viewport(viewport);
            for (String route : List.of("#/", "#/runs", "#/runs/" + recordedRun, "#/report", "#/console")) {
                browser.go(route);
                String ready = switch (route) {
                    case "#/" -> "#task";
                    case "#/runs" -> "table.runs";
                    case "#/report" -> ".charts svg";
                    case "#/console" -> "#new-session";
                    default -> ".answer pre.json";
                };
                browser.awaitElement(ready);
                assertThat(browser.horizontalOverflow()).as("%s at %s width", route, viewport.name()).isZero();
                String name = route.startsWith("#/runs/") ? "stored-run" : route.equals("#/") ? "new-run" : route.substring(2);
                browser.screenshot(name, viewport);
            }
        }
    }
}
