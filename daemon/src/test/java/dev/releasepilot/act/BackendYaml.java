package dev.releasepilot.act;

import dev.releasepilot.rules.backend.Backend;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.RuleLoader;

/** Builds backend configs the way users do: YAML through the real rule loader. */
public final class BackendYaml {
    private BackendYaml() {
    }

    /** @param backendLines the lines under {@code backend:}, indented by 6 spaces by the caller or not at all */
    @SuppressWarnings("unchecked")
    public static <B extends Backend> B parse(String backendLines) {
        StringBuilder yaml = new StringBuilder("services:\n  - name: checkout\n    backend:\n");
        backendLines.strip().lines().forEach(l -> yaml.append("      ").append(l).append('\n'));
        yaml.append("    triggers:\n      - name: paged\n        alert: '{alertname=\"X\"}'\n");
        LoadResult r = RuleLoader.parse("test.yaml", yaml.toString());
        if (!r.ok()) {
            throw new AssertionError("backend does not load: " + r.errors() + "\n" + yaml);
        }
        return (B) r.rules().services().get(0).backend();
    }
}
