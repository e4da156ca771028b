package dev.releasepilot.act.nginx;


import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.ActuatorContract;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import dev.releasepilot.peers.Nginx;
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
