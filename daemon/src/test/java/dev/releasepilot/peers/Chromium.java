package dev.releasepilot.peers;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * A real headless Chromium driven by chromedriver over the W3C WebDriver HTTP API (no client library):
 * open a page, run a script in it, read the browser's console log, take element screenshots.
 */
public final class Chromium implements AutoCloseable {
    private final PeerProcess driver;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private final String session;

    private Chromium(PeerProcess driver, String base, String session) {
        this.driver = driver;
        this.base = base;
        this.session = session;
    }

    /** Starts chromedriver on a free port and opens one headless browser session. */
    public static Chromium start(Path dir, int width, int height) throws Exception {
        Path chromedriver = Binaries.require("chromedriver", "chromium-driver");
        Path chromium = Binaries.require("chromium", "chromium");
        int port = FreePort.get();
        PeerProcess driver = PeerProcess.start("chromedriver", dir, List.of(chromedriver.toString(), "--port=" + port));
        String base = "http://127.0.0.1:" + port;
        HttpClient probe = HttpClient.newHttpClient();
        Poll.until("chromedriver ready", Duration.ofSeconds(20), () -> {
            try {
                return probe.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
        JsonObject caps = new JsonObject().put("capabilities", new JsonObject().put("alwaysMatch", new JsonObject()
                .put("browserName", "chrome")
                .put("goog:loggingPrefs", new JsonObject().put("browser", "ALL"))
                .put("goog:chromeOptions", new JsonObject().put("binary", chromium.toString()).put("args", new JsonArray()
                        .add("--headless=new").add("--no-sandbox").add("--disable-gpu").add("--disable-dev-shm-usage")
                        .add("--no-first-run").add("--disable-background-networking").add("--disable-component-update")
                        .add("--user-data-dir=" + dir.resolve("profile")).add("--window-size=" + width + "," + height)))));
        HttpResponse<String> r = probe.send(HttpRequest.newBuilder(URI.create(base + "/session"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(caps.encode())).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonObject value = new JsonObject(r.body()).getJsonObject("value");
        if (r.statusCode() != 200 || value.getString("sessionId") == null) {
            driver.close();
            throw new AssertionError("chromedriver refused a session: " + r.body());
        }
        return new Chromium(driver, base, value.getString("sessionId"));
    }

    public void open(String url) {
        call("POST", "/url", new JsonObject().put("url", url));
    }

    /** Runs {@code script} (a function body; {@code return} gives the result) in the page. */
    public Object execute(String script, Object... args) {
        return call("POST", "/execute/sync", new JsonObject().put("script", script).put("args", new JsonArray(List.of(args))));
    }

    /** The browser console's entries since the last call: {@code {level, message}}. */
    public JsonArray consoleLog() {
        return (JsonArray) call("POST", "/se/log", new JsonObject().put("type", "browser"));
    }

    /** A PNG of the first element matching the CSS selector. */
    public byte[] screenshot(String cssSelector) {
        JsonObject found = (JsonObject) call("POST", "/element",
                new JsonObject().put("using", "css selector").put("value", cssSelector));
        // The W3C web-element reference is an object with one key (a fixed UUID-like name): its value is the id.
        String id = String.valueOf(found.iterator().next().getValue());
        return Base64.getDecoder().decode((String) call("GET", "/element/" + id + "/screenshot", null));
    }

    /** A PNG of the whole viewport. */
    public byte[] screenshot() {
        return Base64.getDecoder().decode((String) call("GET", "/screenshot", null));
    }

    private Object call(String method, String path, JsonObject body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/session/" + session + path))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json");
            b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                    : b.method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonObject answer = new JsonObject(r.body());
            if (r.statusCode() != 200) {
                throw new AssertionError("WebDriver " + method + " " + path + ": " + r.statusCode() + " " + r.body());
            }
            return answer.getValue("value");
        } catch (IOException e) {
            throw new AssertionError("WebDriver " + method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        try {
            http.send(HttpRequest.newBuilder(URI.create(base + "/session/" + session)).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (IOException | InterruptedException e) {
            // the driver is killed below either way
        } finally {
            driver.close();
        }
    }
}
