package dev.releasepilot.api;

import dev.releasepilot.http.HttpErrors;

import dev.releasepilot.decide.CommandRefused;
import dev.releasepilot.decide.NoSuchService;
import dev.releasepilot.decide.NotTheHolder;
import dev.releasepilot.decide.OperatorCommand;
import dev.releasepilot.decide.ControlPort;
import dev.releasepilot.journal.Journal;
import dev.releasepilot.journal.JournalEntry;
import dev.releasepilot.journal.Page;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Supplier;

/**
 * The status and control API. It reads live state from decide and history from the journal, and
 * changes state only by submitting {@link OperatorCommand}s to decide.
 */
public final class StatusApi {
    private final ControlPort pilot;
    private final Journal journal;
    private final Auth auth;
    private final Supplier<Future<Void>> reload;
    private final Supplier<JsonArray> sources;
    private CommandForwarder forwarder; // null: one instance, nothing to forward to

    /** @param sources the state of the pollers that feed the windows (HAProxy stats), for {@code /api/v1/sources} */
    public StatusApi(ControlPort pilot, Journal journal, Auth auth, Supplier<Future<Void>> reload, Supplier<JsonArray> sources) {
        this.sources = sources;
        this.pilot = pilot;
        this.journal = journal;
        this.auth = auth;
        this.reload = reload;
    }

    /** Several instances: a command for a service another instance holds is sent on to it. Before {@link #mount}. */
    public StatusApi forwarding(CommandForwarder f) {
        this.forwarder = f;
        return this;
    }

    public void mount(Router router) {
        router.get("/api/v1/services").handler(auth.read()).handler(ctx -> reply(ctx, pilot.statuses()
                .map(a -> new JsonObject().put("services", a))));
        router.get("/api/v1/services/:name").handler(auth.read())
                .handler(ctx -> reply(ctx, pilot.status(ctx.pathParam("name"))));
        router.get("/api/v1/decisions").handler(auth.read()).handler(this::decisions);
        router.get("/api/v1/sources").handler(auth.read()).handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("sources", sources.get()).encode()));
        BodyHandler body = BodyHandler.create(false).setBodyLimit(64 * 1024);
        router.post("/api/v1/services/:name/:action").handler(body).handler(auth.admin()).handler(this::control);
        router.post("/-/reload").handler(body).handler(auth.admin()).handler(ctx -> reply(ctx, reload.get()
                .map(v -> new JsonObject().put("status", "reloaded"))));
    }

    private void control(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        JsonObject b;
        try {
            b = ctx.body().length() == 0 ? new JsonObject() : ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            HttpErrors.send(ctx, 400, "the body must be a JSON object", e.getMessage());
            return;
        }
        if (b == null) {
            b = new JsonObject();
        }
        String reason = b.getString("reason", "requested over the API");
        OperatorCommand c;
        switch (ctx.pathParam("action")) {
            case "rollback" -> c = new OperatorCommand.Rollback(reason);
            case "pause" -> c = new OperatorCommand.Pause(reason);
            case "resume" -> c = new OperatorCommand.Resume(reason);
            case "promote" -> c = new OperatorCommand.Promote(reason);
            case "abort" -> c = new OperatorCommand.Abort(reason);
            case "releases" -> {
                String version = b.getString("version");
                if (version == null || version.isBlank()) {
                    HttpErrors.send(ctx, 400, "a release needs a 'version'", "e.g. {\"version\": \"v2.3.1\", \"canary_weight\": 5}");
                    return;
                }
                Object supersede = b.getValue("supersede", false);
                if (!(supersede instanceof Boolean)) {
                    HttpErrors.send(ctx, 400, "'supersede' must be true or false", null);
                    return;
                }
                c = new OperatorCommand.Release(version, b, reason, (Boolean) supersede);
            }
            default -> {
                HttpErrors.send(ctx, 404, "unknown action '" + ctx.pathParam("action") + "'",
                        "one of rollback, pause, resume, promote, abort, releases");
                return;
            }
        }
        Future<JsonObject> done = pilot.command(name, c);
        if (forwarder == null || ctx.request().getHeader(CommandForwarder.FORWARDED_BY) != null) {
            reply(ctx, done); // forwarded once already: never a second hop
            return;
        }
        io.vertx.core.buffer.Buffer raw = ctx.body().buffer();
        done.onComplete(ar -> {
            if (ar.failed() && ar.cause() instanceof NotTheHolder n && n.holder() != null) {
                forwarder.forward(n.holder(), ctx.request().path(), ctx.request().getHeader("Authorization"),
                        raw == null ? io.vertx.core.buffer.Buffer.buffer() : raw).onComplete(fr -> {
                            if (fr.succeeded()) {
                                ctx.response().setStatusCode(fr.result().status()).putHeader("Content-Type", "application/json")
                                        .putHeader(CommandForwarder.FORWARDED_TO, n.holder()).end(fr.result().body());
                            } else {
                                HttpErrors.send(ctx, 409, n.getMessage(), "forwarding to " + n.holder() + " failed: "
                                        + fr.cause().getMessage());
                            }
                        });
            } else {
                reply(ctx, done);
            }
        });
    }

    /**
     * {@code GET /api/v1/decisions?service=&since=&limit=&before=}: the newest {@code limit} (default 500,
     * at most 10,000) records with seq below {@code before} (default: the newest), oldest first, as
     * {@code {"records": [...], "next": <seq>}}; {@code next} is the {@code before} of the next older page,
     * null at the end of history or where {@code since} cut it. Old pages are read from disk off the event loop.
     */
    private void decisions(RoutingContext ctx) {
        String service = ctx.queryParams().get("service");
        String sinceText = ctx.queryParams().get("since");
        String beforeText = ctx.queryParams().get("before");
        int limit;
        long before;
        Instant since;
        try {
            limit = Math.min(10_000, Integer.parseInt(ctx.queryParams().contains("limit") ? ctx.queryParams().get("limit") : "500"));
            before = beforeText == null ? Long.MAX_VALUE : Long.parseLong(beforeText);
            since = sinceText == null ? Instant.EPOCH : Instant.parse(sinceText);
        } catch (NumberFormatException | DateTimeParseException e) {
            HttpErrors.send(ctx, 400, "bad query parameter",
                    "limit and before are numbers, since an RFC 3339 time: " + e.getMessage());
            return;
        }
        if (limit < 0 || before < 1) {
            HttpErrors.send(ctx, 400, "bad query parameter", "limit must be >= 0 and before >= 1");
            return;
        }
        ctx.vertx().executeBlocking(() -> journal.page(service, before, limit), false).onComplete(ar -> {
            if (ar.failed()) {
                HttpErrors.send(ctx, 503, "journal unreadable: " + ar.cause().getMessage(), null);
                return;
            }
            Page page = ar.result();
            JsonArray out = new JsonArray();
            boolean cut = false;
            for (JournalEntry e : page.records()) {
                if (e.at().isBefore(since)) {
                    cut = true;
                } else {
                    out.add(e.toJson());
                }
            }
            ctx.response().putHeader("Content-Type", "application/json").end(new JsonObject().put("records", out)
                    .put("next", cut || page.next() == 0 ? null : page.next()).encode());
        });
    }

    private static void reply(RoutingContext ctx, Future<JsonObject> f) {
        f.onComplete(ar -> {
            if (ar.succeeded()) {
                ctx.response().putHeader("Content-Type", "application/json").end(ar.result().encode());
            } else if (ar.cause() instanceof NoSuchService e) {
                HttpErrors.send(ctx, 404, e.getMessage(), null);
            } else if (ar.cause() instanceof CommandRefused e) {
                HttpErrors.send(ctx, 409, e.getMessage(), e.detail());
            } else if (ar.cause() instanceof IllegalArgumentException e) {
                HttpErrors.send(ctx, 400, e.getMessage(), null);
            } else {
                HttpErrors.send(ctx, 503, "not done: " + ar.cause().getMessage(), null);
            }
        });
    }
}
