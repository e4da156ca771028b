package dev.releasepilot.rules;


import dev.releasepilot.rules.backend.Backend;
import dev.releasepilot.rules.backend.BackendParser;
import dev.releasepilot.rules.notify.NotifyParser;
import dev.releasepilot.rules.notify.NotifyTarget;
import dev.releasepilot.rules.matcher.MatcherParser;
import dev.releasepilot.rules.promql.Condition;
import dev.releasepilot.rules.promql.PromqlParser;
import dev.releasepilot.rules.rollout.Rollout;
import dev.releasepilot.rules.rollout.RolloutParser;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Loads a rule file: strict parse (unknown keys are errors) → defaults → cross-checks → immutable
 * {@link RuleSet}. The {@code check} command and the daemon's (re)load use this one loader, and it
 * reports every problem it finds, each with file:line:column.
 */
public final class RuleLoader {
    static final Duration DEFAULT_COOLDOWN = Duration.ofMinutes(10);

    private static final Set<String> TOP = Set.of("services");
    private static final Set<String> SERVICE = ordered("name", "backend", "triggers", "on_trigger", "dry_run",
            "cooldown", "ignore_alerts_before_release", "notify", "when_stable_unavailable", "stale_tolerance", "rollout");
    private static final Set<String> TRIGGER = ordered("name", "alert", "expr", "for", "requires", "probe",
            "consecutive_failures", "clear_for", "on_trigger", "judge");
    private static final Set<String> PROBE = ordered("url", "interval", "timeout", "expect_status", "follow_redirects",
            "tls");
    private static final Set<String> PROBE_TLS = ordered("insecure_skip_verify", "ca_file");
    /** One expect_status item: 200, 200-399 or 2xx. */
    private static final Pattern STATUS = Pattern.compile("(\\d{3})(?:\\s*-\\s*(\\d{3}))?|([1-5])xx");

    private RuleLoader() {
    }

    public static LoadResult load(Path file) {
        try {
            if (Files.size(file) > YamlLimits.MAX_BYTES) {
                return new LoadResult(null, List.of(new Problem(file.toString(), 1, 1, "the rule file is larger than "
                        + YamlLimits.MAX_BYTES + " bytes")), List.of());
            }
            return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new LoadResult(null, List.of(new Problem(file.toString(), 0, 0, "cannot read: " + e)), List.of());
        }
    }

    /**
     * Parses rule-file text. Never throws: whatever the text, the answer is rules or problems with
     * file:line:column (an internal failure, which would be a bug, becomes one problem at 1:1).
     */
    public static LoadResult parse(String fileName, String text) {
        try {
            return parseChecked(fileName, text);
        } catch (RuntimeException | StackOverflowError e) {
            // A last resort: `check`, start-up and reload must answer with a reason, never a stack trace.
            return new LoadResult(null, List.of(new Problem(fileName, 1, 1, "cannot check this file (internal error "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")")),
                    List.of());
        }
    }

    private static LoadResult parseChecked(String fileName, String text) {
        List<Problem> errors = new ArrayList<>();
        List<Problem> warnings = new ArrayList<>();
        YamlNodes y = new YamlNodes(fileName, text, errors, warnings);
        Node root;
        try (Reader r = new StringReader(text)) {
            Mark deep = YamlLimits.tooDeep(text);
            if (deep != null) {
                errors.add(new Problem(fileName, deep.getLine() + 1, deep.getColumn() + 1, "YAML: nested deeper than "
                        + YamlLimits.MAX_NESTING + " levels"));
                return new LoadResult(null, errors, warnings);
            }
            root = new Yaml(YamlLimits.options()).compose(r);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            int line = m == null ? 0 : m.getLine() + 1;
            int col = m == null ? 0 : m.getColumn() + 1;
            errors.add(new Problem(fileName, line, col, "YAML: " + e.getProblem()));
            return new LoadResult(null, errors, warnings);
        } catch (YAMLException | IOException e) {
            errors.add(new Problem(fileName, 1, 1, "YAML: " + e.getMessage()));
            return new LoadResult(null, errors, warnings);
        }
        if (root == null) {
            errors.add(new Problem(fileName, 1, 1, "empty rule file: expected a 'services:' list"));
            return new LoadResult(null, errors, warnings);
        }
        List<ServiceRule> services = new ArrayList<>();
        Map<String, Node> top = y.mapping(root, "the rule file", TOP);
        if (top != null) {
            Node list = top.get("services");
            if (list == null) {
                y.error(root, "missing 'services:' list");
            } else {
                Set<String> names = new HashSet<>();
                for (Node s : y.sequence(list, "services")) {
                    ServiceRule rule = service(y, s);
                    if (rule != null && !names.add(rule.name())) {
                        y.error(s, "duplicate service name '" + rule.name() + "'");
                    } else if (rule != null) {
                        services.add(rule);
                    }
                }
                StatsPollHint.warn(y, list, services);
            }
        }
        return new LoadResult(errors.isEmpty() ? new RuleSet(services) : null, errors, warnings);
    }

    private static ServiceRule service(YamlNodes y, Node n) {
        Map<String, Node> m = y.mapping(n, "a service", SERVICE);
        if (m == null) {
            return null;
        }
        int errorsBefore = countErrors(y);
        String name = req(y, n, m, "name", "a service") == null ? null : y.string(m.get("name"), "name");
        if (name != null && !name.matches("[A-Za-z0-9_.-]+")) {
            y.error(m.get("name"), "service name '" + name + "' may only hold letters, digits, '_', '.', '-'");
        } else if (name != null && (name.startsWith(".") || name.endsWith(".") || name.contains(".."))) {
            // the name is a token of the NATS subject release-pilot.events.<service>: an empty token there is
            // an invalid subject that no subscriber's filter matches
            y.error(m.get("name"), "service name '" + name + "' may not start or end with '.' or hold '..'");
        }
        Backend backend = m.containsKey("backend") ? BackendParser.parse(y, m.get("backend")) : null;
        if (!m.containsKey("backend")) {
            y.error(n, "service '" + name + "' needs a 'backend:'");
        }
        List<Trigger> triggers = new ArrayList<>();
        Map<String, Reaction> reactions = new java.util.LinkedHashMap<>();
        Map<String, Node> stepBacks = new java.util.LinkedHashMap<>();
        // Triggers that have errors of their own still count as named for the rollout's gates: a gate naming
        // one is not a second, misleading error ("names no trigger").
        Set<String> brokenTriggers = new LinkedHashSet<>();
        if (m.containsKey("triggers")) {
            Set<String> triggerNames = new HashSet<>();
            for (Node t : y.sequence(m.get("triggers"), "triggers")) {
                int before = countErrors(y);
                Trigger trig = trigger(y, t);
                if (trig == null && countErrors(y) > before && YamlNodes.peek(t, "name") instanceof ScalarNode named) {
                    brokenTriggers.add(named.getValue());
                }
                if (trig != null && !triggerNames.add(trig.name())) {
                    y.error(t, "duplicate trigger name '" + trig.name() + "'");
                } else if (trig != null) {
                    triggers.add(trig);
                    Node own = YamlNodes.peek(t, "on_trigger");
                    Reaction r = own == null ? null : reaction(y, own);
                    if (r != null) {
                        reactions.put(trig.name(), r);
                        if (r == Reaction.STEP_BACK) {
                            stepBacks.put(trig.name(), own);
                        }
                    }
                }
            }
        } else {
            y.warn(n, "service '" + name + "' has no triggers: it will never react");
        }
        Reaction reaction = Reaction.ROLLBACK;
        if (m.containsKey("on_trigger")) {
            Reaction r = reaction(y, m.get("on_trigger"));
            reaction = r == null ? reaction : r;
            if (r == Reaction.STEP_BACK) {
                stepBacks.put("", m.get("on_trigger"));
            }
        }
        Set<String> gateable = triggers.stream().map(Trigger::name).collect(java.util.stream.Collectors.toCollection(LinkedHashSet::new));
        gateable.addAll(brokenTriggers);
        Rollout rollout = m.containsKey("rollout") ? RolloutParser.parse(y, m.get("rollout"), gateable) : null;
        if (!m.containsKey("rollout")) {
            stepBacks.forEach((t, node) -> y.error(node, "on_trigger: step_back needs a 'rollout:' (a step to go back to)"
                    + (t.isEmpty() ? "" : "; trigger '" + t + "' has it")));
        }
        Boolean dryRun = m.containsKey("dry_run") ? y.bool(m.get("dry_run"), "dry_run") : Boolean.FALSE;
        Duration cooldown = m.containsKey("cooldown") ? y.duration(m.get("cooldown"), "cooldown") : DEFAULT_COOLDOWN;
        Boolean ignoreOld = m.containsKey("ignore_alerts_before_release")
                ? y.bool(m.get("ignore_alerts_before_release"), "ignore_alerts_before_release") : Boolean.TRUE;
        Duration staleTolerance = m.containsKey("stale_tolerance")
                ? y.duration(m.get("stale_tolerance"), "stale_tolerance") : ServiceRule.DEFAULT_STALE_TOLERANCE;
        WhenStableUnavailable whenStableUnavailable = WhenStableUnavailable.HOLD;
        if (m.containsKey("when_stable_unavailable")) {
            String w = y.string(m.get("when_stable_unavailable"), "when_stable_unavailable");
            try {
                whenStableUnavailable = w == null ? whenStableUnavailable
                        : WhenStableUnavailable.valueOf(w.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                y.error(m.get("when_stable_unavailable"), "when_stable_unavailable must be one of hold, drain (got '" + w + "')");
            }
        }
        List<NotifyTarget> notify = m.containsKey("notify") ? NotifyParser.parse(y, m.get("notify")) : List.of();
        if (countErrors(y) > errorsBefore || backend == null) {
            return null;
        }
        return new ServiceRule(name, backend, triggers, reaction, dryRun, cooldown, ignoreOld, notify, whenStableUnavailable,
                staleTolerance == null ? ServiceRule.DEFAULT_STALE_TOLERANCE : staleTolerance, reactions, rollout);
    }

    /** An {@code on_trigger:} value (the service's default or a trigger's own); null after reporting a problem. */
    private static Reaction reaction(YamlNodes y, Node n) {
        String r = y.string(n, "on_trigger");
        if (r == null) {
            return null;
        }
        for (Reaction candidate : Reaction.values()) {
            if (candidate.label().equals(r)) {
                return candidate;
            }
        }
        y.error(n, "on_trigger must be one of rollback, pause, notify, step_back (got '" + r + "')");
        return null;
    }

    private static Trigger trigger(YamlNodes y, Node n) {
        Map<String, Node> m = y.mapping(n, "a trigger", TRIGGER);
        if (m == null) {
            return null;
        }
        String name = req(y, n, m, "name", "a trigger") == null ? null : y.string(m.get("name"), "trigger name");
        int kinds = (m.containsKey("alert") ? 1 : 0) + (m.containsKey("expr") ? 1 : 0) + (m.containsKey("probe") ? 1 : 0)
                + (m.containsKey("judge") ? 1 : 0);
        if (kinds != 1) {
            y.error(n, "trigger '" + name + "' needs exactly one of alert:, expr:, probe:, judge:");
            return null;
        }
        if (!m.containsKey("expr")) {
            for (String exprOnly : List.of("for", "requires", "clear_for")) {
                if (m.containsKey(exprOnly)) {
                    y.error(m.get(exprOnly), "'" + exprOnly + "' applies to expr: triggers only; trigger '" + name
                            + "' is " + (m.containsKey("alert") ? "an alert" : m.containsKey("judge") ? "a judge" : "a probe")
                            + " trigger");
                }
            }
        }
        if (m.containsKey("alert")) {
            Node a = m.get("alert");
            String text = y.string(a, "alert");
            if (text == null || name == null) {
                return null;
            }
            try {
                return new AlertTrigger(name, MatcherParser.parse(text));
            } catch (SyntaxError e) {
                y.error(y.scalarOffset(a, e.offset()), "alert matcher: " + e.getMessage());
                return null;
            }
        }
        if (m.containsKey("judge")) {
            if (m.containsKey("consecutive_failures")) {
                y.error(m.get("consecutive_failures"), "'consecutive_failures' applies to probe: triggers only");
            }
            return JudgeParser.parse(y, name, m.get("judge"));
        }
        if (m.containsKey("expr")) {
            String expr = y.string(m.get("expr"), "expr");
            Condition condition = expr == null ? null : condition(y, m.get("expr"), expr, "expr");
            Duration forD = m.containsKey("for") ? y.duration(m.get("for"), "for") : Duration.ZERO;
            Duration clearFor = m.containsKey("clear_for") ? y.duration(m.get("clear_for"), "clear_for") : Duration.ZERO;
            Condition requires = null;
            if (m.containsKey("requires")) {
                String text = y.string(m.get("requires"), "requires");
                requires = text == null ? null : condition(y, m.get("requires"), text, "requires");
                if (requires == null) {
                    return null;
                }
            }
            if (name == null || condition == null || forD == null || clearFor == null) {
                return null;
            }
            return new ExprTrigger(name, expr, condition, forD, requires, clearFor);
        }
        Map<String, Node> p = y.mapping(m.get("probe"), "probe", PROBE);
        if (p == null) {
            return null;
        }
        String url = req(y, m.get("probe"), p, "url", "probe") == null ? null : y.string(p.get("url"), "url");
        Duration interval = p.containsKey("interval") ? y.duration(p.get("interval"), "interval") : Duration.ofSeconds(2);
        Duration timeout = p.containsKey("timeout") ? y.duration(p.get("timeout"), "timeout") : Duration.ofSeconds(1);
        Integer failures = m.containsKey("consecutive_failures")
                ? y.positiveInt(m.get("consecutive_failures"), "consecutive_failures") : Integer.valueOf(3);
        List<ProbeTrigger.StatusRange> expect = p.containsKey("expect_status") ? statuses(y, p.get("expect_status"))
                : ProbeTrigger.DEFAULT_EXPECT;
        Boolean follow = p.containsKey("follow_redirects") ? y.bool(p.get("follow_redirects"), "follow_redirects") : Boolean.FALSE;
        ProbeTrigger.Tls tls = p.containsKey("tls") ? probeTls(y, p.get("tls")) : ProbeTrigger.Tls.DEFAULT;
        if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) {
            y.error(p.get("url"), "probe url must start with http:// or https://, got '" + url + "'");
            url = null;
        }
        if (interval != null && interval.toMillis() < 100) {
            y.error(p.get("interval"), "probe interval must be at least 100ms");
            interval = null;
        }
        if (interval != null && timeout != null && timeout.compareTo(interval) > 0) {
            y.error(p.containsKey("timeout") ? p.get("timeout") : m.get("probe"),
                    "probe timeout (" + timeout.toMillis() + "ms) must not exceed its interval (" + interval.toMillis() + "ms)");
            timeout = null;
        }
        if (name == null || url == null || interval == null || timeout == null || failures == null || expect == null
                || follow == null || tls == null) {
            return null;
        }
        return new ProbeTrigger(name, url, interval, timeout, failures, expect, follow, tls);
    }

    /**
     * {@code expect_status}: one status ({@code 200}), a range ({@code "200-399"}, {@code "2xx"}) or a list
     * of those ({@code [200, 204, "300-308"]}). Null after reporting a problem.
     */
    private static List<ProbeTrigger.StatusRange> statuses(YamlNodes y, Node n) {
        List<Node> items = n instanceof org.yaml.snakeyaml.nodes.SequenceNode ? y.sequence(n, "expect_status") : List.of(n);
        if (items.isEmpty()) {
            y.error(n, "expect_status needs at least one status");
            return null;
        }
        List<ProbeTrigger.StatusRange> out = new ArrayList<>();
        boolean bad = false;
        for (Node item : items) {
            String text = y.string(item, "expect_status");
            Matcher m = text == null ? null : STATUS.matcher(text.strip());
            ProbeTrigger.StatusRange r = null;
            if (m != null && m.matches()) {
                r = m.group(3) != null
                        ? new ProbeTrigger.StatusRange(Integer.parseInt(m.group(3)) * 100, Integer.parseInt(m.group(3)) * 100 + 99)
                        : new ProbeTrigger.StatusRange(Integer.parseInt(m.group(1)),
                                Integer.parseInt(m.group(2) == null ? m.group(1) : m.group(2)));
            }
            if (r == null || r.from() < 100 || r.to() > 599 || r.from() > r.to()) {
                if (text != null) {
                    y.error(item, "expect_status takes HTTP statuses (100-599): 200, \"200-399\", \"2xx\" or a list of those, got '"
                            + text + "'");
                }
                bad = true;
            } else {
                out.add(r);
            }
        }
        return bad ? null : out;
    }

    /** {@code tls: {insecure_skip_verify: true, ca_file: /etc/ssl/internal-ca.pem}}; null after reporting a problem. */
    private static ProbeTrigger.Tls probeTls(YamlNodes y, Node n) {
        Map<String, Node> t = y.mapping(n, "tls", PROBE_TLS);
        if (t == null) {
            return null;
        }
        Boolean insecure = t.containsKey("insecure_skip_verify") ? y.bool(t.get("insecure_skip_verify"), "insecure_skip_verify")
                : Boolean.FALSE;
        Optional<Path> ca = Optional.empty();
        if (t.containsKey("ca_file")) {
            String f = y.string(t.get("ca_file"), "ca_file");
            if (f == null) {
                return null;
            }
            Path path = Path.of(f);
            if (!path.isAbsolute() || !Files.isReadable(path)) {
                y.error(t.get("ca_file"), "ca_file must be an absolute path to a readable PEM file, got '" + f + "'");
                return null;
            }
            ca = Optional.of(path);
        }
        if (insecure == null) {
            return null;
        }
        if (insecure && ca.isPresent()) {
            y.error(n, "tls: insecure_skip_verify accepts any certificate, so ca_file would be ignored; set one of them");
            return null;
        }
        return new ProbeTrigger.Tls(insecure, ca);
    }

    private static Condition condition(YamlNodes y, Node n, String text, String what) {
        try {
            return PromqlParser.parse(text);
        } catch (SyntaxError e) {
            y.error(y.scalarOffset(n, e.offset()), what + ": " + e.getMessage());
            return null;
        }
    }

    private static Node req(YamlNodes y, Node parent, Map<String, Node> m, String key, String what) {
        Node v = m == null ? null : m.get(key);
        if (v == null && m != null) {
            y.error(parent, what + " is missing required key '" + key + "'");
        }
        return v;
    }

    private static int countErrors(YamlNodes y) {
        return y.errorCount();
    }

    private static Set<String> ordered(String... keys) {
        return new LinkedHashSet<>(List.of(keys));
    }
}
