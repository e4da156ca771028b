package dev.releasepilot.act.nginx;


import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.ActuatorContract;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.EndlessReply;
import dev.releasepilot.peers.Nginx;
import java.nio.file.Files;
import dev.releasepilot.rules.backend.NginxBackend;
import java.nio.file.Path;

/** The contract against a real NGINX: include rewrite, nginx -t, reload, generation read-back. */
class NginxActuatorContractTest extends ActuatorContract {
    private Nginx nginx;

    @Override
    protected Actuator start(Path dir) {
        nginx = new Nginx(dir, stable.address(), canary.address()).start();
        NginxBackend b = BackendYaml.parse("""
                type: nginx
                upstream_file: %s
                generation_file: %s
                generation_url: %s
                stable: [{server: "%s", weight: 3}]
                canary: [{server: "%s", weight: 1}]
                nginx: %s
                prefix: %s
                config: %s
                """.formatted(nginx.upstreamFile, nginx.generationFile, nginx.generationUrl(), stable.address(),
                canary.address(), nginx.binary, nginx.dir, nginx.config));
        return Actuators.create(vertx, b);
    }

    @Override
    protected boolean makeReadsUnjudgeable() throws Exception {
        // A hand edit not reloaded: the files hold a generation NGINX does not run.
        Files.writeString(nginx.generationFile, "location = /__rp_gen/checkout { return 200 \"hand-edited $pid\"; }\n");
        return true;
    }

    @Override
    protected Actuator withEndlessReplies(EndlessReply endless, Path dir) {
        return Actuators.create(vertx, BackendYaml.parse("""
                type: nginx
                upstream_file: %s
                generation_file: %s
                generation_url: %s
                stable: [{server: "%s", weight: 3}]
                canary: [{server: "%s", weight: 1}]
                nginx: %s
                prefix: %s
                config: %s
                timeout: 20s
                """.formatted(nginx.upstreamFile, nginx.generationFile, endless.url("/__rp_gen/checkout"), stable.address(),
                canary.address(), nginx.binary, nginx.dir, nginx.config)));
    }

    @Override
    protected void addUnmanagedConfig() throws Exception {
        Files.writeString(nginx.upstreamFile, "server " + stable.address() + " weight=3 max_fails=0;\n"
                + "server " + canary.address() + " weight=1 fail_timeout=5s;\n"
                + "server 127.0.0.1:9 backup;\n");
    }

    @Override
    protected void assertUnmanagedConfigKept() throws Exception {
        String include = Files.readString(nginx.upstreamFile);
        assertTrue(include.contains("server " + stable.address() + " weight=3 max_fails=0;")
                && include.contains(canary.address() + " ") && include.contains(" fail_timeout=5s;")
                && include.contains("server 127.0.0.1:9 backup;"), include);
    }

    @Override
    protected int frontendPort() {
        return nginx.frontendPort;
    }

    @Override
    protected String stableServer() {
        return stable.address();
    }

    @Override
    protected String canaryServer() {
        return canary.address();
    }

    @Override
    protected void stop() {
        nginx.close();
    }
}
