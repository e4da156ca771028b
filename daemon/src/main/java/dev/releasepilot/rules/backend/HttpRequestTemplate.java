package dev.releasepilot.rules.backend;

import java.util.Map;
import java.util.Optional;

/** One HTTP request whose URL, header values and body are templates filled in per command. */
public record HttpRequestTemplate(String method, Template url, Map<String, Template> headers, Optional<Template> body) {
    public HttpRequestTemplate {
        headers = Map.copyOf(headers);
    }
}
