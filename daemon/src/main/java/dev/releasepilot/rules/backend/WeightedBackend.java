package dev.releasepilot.rules.backend;

import java.util.List;

/** A backend whose servers are configured with their weights (all kinds but haproxy, which reads them back). */
public sealed interface WeightedBackend extends Backend permits NginxBackend, CaddyBackend, HttpBackend, ExecBackend {
    List<WeightedServer> stable();

    List<WeightedServer> canary();

    @Override
    default List<String> stableServers() {
        return stable().stream().map(WeightedServer::server).toList();
    }

    @Override
    default List<String> canaryServers() {
        return canary().stream().map(WeightedServer::server).toList();
    }
}
