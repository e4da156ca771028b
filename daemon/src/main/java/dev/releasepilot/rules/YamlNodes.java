package dev.releasepilot.rules;


import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Strict, position-aware access to a composed YAML tree. Every complaint lands in {@code problems}
 * with the node's file:line:column, so one pass reports all errors instead of the first.
 */
public final class YamlNodes {
    private final String file;
    private final List<String> lines; // the source, to place errors inside quoted and folded multi-line scalars
    private final List<Problem> errors;
    private final List<Problem> warnings;

    public YamlNodes(String file, String text, List<Problem> errors, List<Problem> warnings) {
        this.file = file;
        this.lines = List.of(text.split("\r\n|\r|\n", -1));
        this.errors = errors;
        this.warnings = warnings;
    }

    public int errorCount() {
        return errors.size();
    }

    public static Position at(Node n) {
        return new Position(n.getStartMark().getLine() + 1, n.getStartMark().getColumn() + 1);
    }

    public void error(Node n, String message) {
        error(at(n), message);
    }

    public void error(Position p, String message) {
        errors.add(new Problem(file, p.line(), p.column(), message));
    }

    /** A problem found in another file the rule file points at (an NGINX include), with its own position. */
    public void error(Problem elsewhere) {
        errors.add(elsewhere);
    }

    public void warn(Node n, String message) {
        Position p = at(n);
        warnings.add(new Problem(file, p.line(), p.column(), message));
    }

    /** A mapping's entries by key, rejecting keys not in {@code allowed} and duplicates. */
    public Map<String, Node> mapping(Node n, String what, Set<String> allowed) {
        if (!(n instanceof MappingNode m)) {
            error(n, what + " must be a mapping");
            return null;
        }
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                error(t.getKeyNode(), "keys in " + what + " must be plain strings");
                continue;
            }
            String key = k.getValue();
            if (!allowed.contains(key)) {
                error(k, "unknown key '" + key + "' in " + what + " (allowed: " + String.join(", ", allowed) + ")");
            } else if (out.putIfAbsent(key, t.getValueNode()) != null) {
                error(k, "duplicate key '" + key + "' in " + what);
            }
        }
        return out;
    }

    /** The value under {@code key} of a mapping, without validating anything. */
    public static Node peek(Node n, String key) {
        if (n instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                    return t.getValueNode();
                }
            }
        }
        return null;
    }

    public List<Node> sequence(Node n, String what) {
        if (n instanceof SequenceNode s) {
            return s.getValue();
        }
        error(n, what + " must be a list");
        return List.of();
    }

    public String string(Node n, String what) {
        if (n instanceof ScalarNode s && !s.getValue().isEmpty()) {
            return s.getValue();
        }
        error(n, what + " must be a non-empty string");
        return null;
    }

    public List<String> strings(Node n, String what) {
        List<String> out = new ArrayList<>();
        for (Node item : sequence(n, what)) {
            String s = string(item, "each entry of " + what);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    public Boolean bool(Node n, String what) {
        if (n instanceof ScalarNode s) {
            switch (s.getValue()) {
                case "true":
                    return true;
                case "false":
                    return false;
                default:
            }
        }
        error(n, what + " must be true or false");
        return null;
    }

    public Integer positiveInt(Node n, String what) {
        if (n instanceof ScalarNode s) {
            try {
                int v = Integer.parseInt(s.getValue());
                if (v > 0) {
                    return v;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        error(n, what + " must be a positive whole number");
        return null;
    }

    public Integer intInRange(Node n, String what, int min, int max) {
        if (n instanceof ScalarNode s) {
            try {
                int v = Integer.parseInt(s.getValue());
                if (v >= min && v <= max) {
                    return v;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        error(n, what + " must be a whole number from " + min + " to " + max);
        return null;
    }

    /** A mapping of plain string keys to non-empty string values, in file order. */
    public Map<String, Node> stringMap(Node n, String what) {
        if (!(n instanceof MappingNode m)) {
            error(n, what + " must be a mapping");
            return Map.of();
        }
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k) || k.getValue().isEmpty()) {
                error(t.getKeyNode(), "keys in " + what + " must be plain strings");
            } else if (out.putIfAbsent(k.getValue(), t.getValueNode()) != null) {
                error(k, "duplicate key '" + k.getValue() + "' in " + what);
            }
        }
        return out;
    }

    public java.time.Duration duration(Node n, String what) {
        String s = string(n, what);
        if (s == null) {
            return null;
        }
        try {
            return DurationParser.parse(s);
        } catch (SyntaxError e) {
            error(scalarOffset(n, e.offset()), what + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * The file position of character {@code offset} inside a scalar's value. Exact for single-line and
     * multi-line scalars alike: SnakeYAML drops quotes and escapes ({@code \"} or {@code ''} are one
     * character of the value but several of the file) and folds line breaks, so {@link ScalarPositions}
     * rebuilds the value from the raw lines. Should that not reproduce the value, a single-line scalar's
     * raw line is walked escape by escape, and a multi-line one points at its start.
     */
    public Position scalarOffset(Node n, int offset) {
        Position start = at(n);
        if (!(n instanceof ScalarNode s)) {
            return start;
        }
        Position exact = ScalarPositions.locate(lines, s, offset);
        if (exact != null) {
            return exact;
        }
        if (n.getStartMark().getLine() != n.getEndMark().getLine() || start.line() > lines.size()) {
            return start;
        }
        if (s.isPlain()) {
            return start.plusColumns(offset);
        }
        boolean doubleQuoted = s.getScalarStyle() == DumperOptions.ScalarStyle.DOUBLE_QUOTED;
        String line = lines.get(start.line() - 1);
        int from = Math.min(line.length(), n.getStartMark().getColumn() + 1); // just past the opening quote
        int raw = from;
        for (int decoded = 0; decoded < offset && raw < line.length(); decoded++) {
            char c = line.charAt(raw);
            if (doubleQuoted && c == '\\' && raw + 1 < line.length()) {
                char e = line.charAt(raw + 1);
                raw += e == 'x' ? 4 : e == 'u' ? 6 : e == 'U' ? 10 : 2;
            } else if (!doubleQuoted && c == '\'' && raw + 1 < line.length() && line.charAt(raw + 1) == '\'') {
                raw += 2;
            } else {
                raw++;
            }
        }
        return start.plusColumns(raw - from + 1);
    }
}
