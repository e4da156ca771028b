package dev.releasepilot.act.nginx;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.HealthSource;
import dev.releasepilot.act.ServerHealth;
import dev.releasepilot.rules.backend.NginxBackend;
import dev.releasepilot.rules.backend.WeightedServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What NGINX open source tells about its servers: only the flags in the managed upstream include
 * (it has no runtime health API; passive {@code max_fails} state is not exposed). A server marked
 * {@code down} there by someone other than a rollback is out of service on purpose (maintenance),
 * so it does not count as able to serve; a {@code backup} server serves once every primary is
 * unavailable, which a drained canary makes true, so it counts. Source: nginx.org
 * ngx_http_upstream_module "server" parameters; PROTOCOLS.md §5.1.
 */
public final class NginxServerFlags implements HealthSource {
    private static final Pattern SERVER = Pattern.compile("^\\s*server\\s+([^\\s;]+)([^;]*);", Pattern.MULTILINE);
    private static final Pattern DOWN = Pattern.compile("(?:^|\\s)down(?:\\s|$)");
    private static final Pattern BACKUP = Pattern.compile("(?:^|\\s)backup(?:\\s|$)");

    private final Vertx vertx;
    private final NginxBackend config;
    private final List<String> servers;

    public NginxServerFlags(Vertx vertx, NginxBackend config) {
        this.vertx = vertx;
        this.config = config;
        this.servers = Stream.concat(config.stable().stream(), config.canary().stream()).map(WeightedServer::server).toList();
    }

    @Override
    public Future<Map<String, ServerHealth>> health(String service) {
        return vertx.fileSystem().readFile(config.upstreamFile().toString()).transform(ar -> ar.succeeded()
                ? Future.succeededFuture(parse(ar.result().toString(StandardCharsets.UTF_8)))
                : Future.failedFuture(new ActuationFailure(ActuationFailure.Reason.CONNECT,
                        "cannot read NGINX upstream_file " + config.upstreamFile() + ": " + ar.cause().getMessage())));
    }

    /** Per rule server, its flags as the include has them; servers the include lacks are left out. */
    Map<String, ServerHealth> parse(String include) {
        Map<String, ServerHealth> out = new LinkedHashMap<>();
        Matcher m = SERVER.matcher(include.replaceAll("(?m)#.*$", ""));
        while (m.find()) {
            String server = m.group(1);
            if (!servers.contains(server)) {
                continue;
            }
            String params = m.group(2).strip();
            boolean down = DOWN.matcher(params).find();
            String state = down ? "down" : BACKUP.matcher(params).find() ? "backup" : "up";
            out.put(server, new ServerHealth(!down, state, "server " + server + (params.isEmpty() ? "" : " " + params)));
        }
        return out;
    }
}
