package dev.releasepilot.rules.backend;

/**
 * One server of a backend whose weights Release Pilot writes itself (every kind but HAProxy, which
 * keeps the configured weights in its own config).
 *
 * @param server what the LB calls it: an NGINX {@code server} address, a Caddy {@code dial} address,
 *               or a name the HTTP API / exec command understands
 * @param weight the weight it has when the release runs normally (what a restore gives back); a
 *               rollback gives canary servers 0
 */
public record WeightedServer(String server, int weight) {
}
