package dev.releasepilot.act.haproxy;


import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.ActuatorContract;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.releasepilot.peers.EndlessReply;
import dev.releasepilot.peers.Haproxy;
import java.util.Arrays;
import java.util.List;
import dev.releasepilot.rules.backend.HaproxyBackend;
import java.nio.file.Path;

/** The contract against a real HAProxy (runtime API over TCP; stable1 weight 100, canary1 weight 10). */
class HaproxyActuatorContractTest extends ActuatorContract {
    private Haproxy haproxy;

    @Override
    protected Actuator start(Path dir) {
        haproxy = new Haproxy(dir, stable.port, canary.port).start();
        HaproxyBackend b = BackendYaml.parse("""
                type: haproxy
                address: %s
                backend: be_checkout
                stable: [stable1]
                canary: [canary1]
                """.formatted(haproxy.address()));
        return Actuators.create(vertx, b);
    }

    @Override
    protected boolean makeReadsUnjudgeable() {
        return false; // the read reports the runtime weights, whatever they are
    }

    @Override
    protected Actuator withEndlessReplies(EndlessReply endless, Path dir) {
        return Actuators.create(vertx, BackendYaml.parse("""
                type: haproxy
                address: 127.0.0.1:%d
                backend: be_checkout
                stable: [stable1]
                canary: [canary1]
                timeout: 20s
                """.formatted(endless.tcpPort)));
    }

    @Override
    protected void addUnmanagedConfig() {
        haproxy.command("set maxconn server be_checkout/stable1 7");
        assertEquals(7, maxconn("stable1"), "the runtime API took the limit");
    }

    @Override
    protected void assertUnmanagedConfigKept() {
        assertEquals(7, maxconn("stable1"), "the server's maxconn is not the rule's to reset");
    }

    /** The server's maxconn from {@code show stat} (column slim). */
    private int maxconn(String server) {
        List<String> lines = haproxy.command("show stat").lines().toList();
        List<String> header = Arrays.asList(lines.get(0).replaceFirst("^# ", "").split(","));
        int slim = header.indexOf("slim");
        for (String l : lines) {
            String[] f = l.split(",", -1);
            if (f.length > slim && f[0].equals("be_checkout") && f[1].equals(server)) {
                return f[slim].isEmpty() ? -1 : Integer.parseInt(f[slim]);
            }
        }
        throw new AssertionError("no row for " + server + " in show stat: " + lines);
    }

    @Override
    protected int frontendPort() {
        return haproxy.frontendPort;
    }

    @Override
    protected String stableServer() {
        return "stable1";
    }

    @Override
    protected String canaryServer() {
        return "canary1";
    }

    @Override
    protected void stop() {
        haproxy.close();
    }
}
