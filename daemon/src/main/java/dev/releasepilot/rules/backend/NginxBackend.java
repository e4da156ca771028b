package dev.releasepilot.rules.backend;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An NGINX (open source) upstream, shifted by rewriting an include file and reloading: NGINX 1.22 has
 * no runtime upstream API. See docs/backends.md for the nginx.conf side.
 *
 * @param upstreamFile   the file included inside the user's {@code upstream { }} block; Release Pilot
 *                       owns it and writes only {@code server} lines
 * @param generationFile the file included inside a localhost-only {@code server { }} block; it holds
 *                       {@code location = <path of generationUrl> { return 200 "<generation>"; }}
 * @param generationUrl  where that location answers: seeing the new generation there proves the master
 *                       applied the reload (its exit code does not)
 * @param nginx          the nginx binary
 * @param prefix         passed as {@code -p} when present
 * @param config         passed as {@code -c} when present
 * @param timeout        each {@code nginx -t} / {@code -s reload} run and each read-back GET
 * @param verifyTimeout  how long the new generation may take to go live after the reload
 */
public record NginxBackend(Path upstreamFile, Path generationFile, String generationUrl,
                           List<WeightedServer> stable, List<WeightedServer> canary, String nginx,
                           Optional<String> prefix, Optional<String> config, Duration timeout,
                           Duration verifyTimeout) implements WeightedBackend {
    public NginxBackend {
        stable = List.copyOf(stable);
        canary = List.copyOf(canary);
    }

    @Override
    public String kind() {
        return "nginx";
    }
}
