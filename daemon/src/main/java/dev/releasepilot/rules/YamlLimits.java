package dev.releasepilot.rules;

import java.io.StringReader;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;

/**
 * What a rule file may ask of the YAML reader. SnakeYAML composes nested collections recursively, so
 * without a bound a file of 10,000 {@code [} overflows the stack; its own nesting check
 * ({@link LoaderOptions#setNestingDepthLimit}) fails without a position, so {@link #tooDeep} finds the
 * collection that crosses the limit by walking the parser's events, which are produced iteratively.
 */
final class YamlLimits {
    /** Nesting of mappings and sequences; the deepest rule file construct needs about 8. */
    static final int MAX_NESTING = 32;
    /** Bytes of a rule file (and so at most as many code points): far above any real rule set. */
    static final int MAX_BYTES = 4 * 1024 * 1024;

    private YamlLimits() {
    }

    static LoaderOptions options() {
        LoaderOptions opts = new LoaderOptions();
        opts.setAllowDuplicateKeys(false);
        opts.setNestingDepthLimit(MAX_NESTING);
        opts.setCodePointLimit(MAX_BYTES);
        opts.setMaxAliasesForCollections(50); // SnakeYAML's default, stated: no alias "billion laughs"
        opts.setAllowRecursiveKeys(false);
        return opts;
    }

    /**
     * Where the first collection deeper than {@link #MAX_NESTING} starts, or null when none is.
     *
     * @throws org.yaml.snakeyaml.error.YAMLException on a YAML syntax error, as composing would
     */
    static Mark tooDeep(String text) {
        int depth = 0;
        for (Event e : new Yaml(options()).parse(new StringReader(text))) {
            if (e instanceof CollectionStartEvent && ++depth > MAX_NESTING) {
                return e.getStartMark();
            } else if (e instanceof CollectionEndEvent) {
                depth--;
            }
        }
        return null;
    }
}
