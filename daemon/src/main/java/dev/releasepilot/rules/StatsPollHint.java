package dev.releasepilot.rules;

import dev.releasepilot.rules.backend.HaproxyBackend;
import dev.releasepilot.rules.promql.Aggregation;
import dev.releasepilot.rules.promql.Arithmetic;
import dev.releasepilot.rules.promql.Condition;
import dev.releasepilot.rules.promql.Expr;
import dev.releasepilot.rules.promql.HistogramQuantile;
import dev.releasepilot.rules.promql.RangeFunctionCall;
import dev.releasepilot.rules.promql.VectorSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A {@code check} warning: an expr trigger selects {@code haproxy_*} series (the names of HAProxy's
 * Prometheus exporter) while no haproxy backend has {@code stats_poll:}. Such series then arrive only
 * if something remote-writes HAProxy's exporter, so the trigger may stay NO_DATA; a warning, since
 * remote-writing them is a valid setup.
 */
final class StatsPollHint {
    private static final String PREFIX = "haproxy_";

    private StatsPollHint() {
    }

    /** {@code servicesList} is the {@code services:} node the rules were loaded from. */
    static void warn(YamlNodes y, Node servicesList, List<ServiceRule> services) {
        boolean polled = services.stream()
                .anyMatch(s -> s.backend() instanceof HaproxyBackend h && h.pollsStats());
        if (polled || !(servicesList instanceof SequenceNode list)) {
            return;
        }
        for (Node serviceNode : list.getValue()) {
            Node name = YamlNodes.peek(serviceNode, "name");
            Node triggers = YamlNodes.peek(serviceNode, "triggers");
            ServiceRule rule = name instanceof ScalarNode n ? services.stream()
                    .filter(s -> s.name().equals(n.getValue())).findFirst().orElse(null) : null;
            if (rule == null || !(triggers instanceof SequenceNode ts)) {
                continue;
            }
            for (Node triggerNode : ts.getValue()) {
                Node triggerName = YamlNodes.peek(triggerNode, "name");
                Node expr = YamlNodes.peek(triggerNode, "expr");
                ExprTrigger t = triggerName instanceof ScalarNode tn ? rule.triggers().stream()
                        .filter(x -> x instanceof ExprTrigger && x.name().equals(tn.getValue()))
                        .map(x -> (ExprTrigger) x).findFirst().orElse(null) : null;
                if (t == null || expr == null) {
                    continue;
                }
                Set<String> metrics = new TreeSet<>();
                haproxyMetrics(t.condition(), metrics);
                if (t.requires() != null) {
                    haproxyMetrics(t.requires(), metrics);
                }
                if (!metrics.isEmpty()) {
                    y.warn(expr, "trigger '" + t.name() + "' selects " + String.join(", ", metrics) + " but no haproxy"
                            + " backend has 'stats_poll:', so these series arrive only if something remote-writes"
                            + " HAProxy's exporter; add 'stats_poll: true' to the backend to poll them");
                }
            }
        }
    }

    private static void haproxyMetrics(Condition c, Set<String> out) {
        List<Expr> todo = new ArrayList<>(c.sides()); // every comparison joined with and
        while (!todo.isEmpty()) {
            Expr e = todo.remove(todo.size() - 1);
            if (e instanceof VectorSelector s && s.hasMetric() && s.metric().startsWith(PREFIX)) {
                out.add(s.metric());
            } else if (e instanceof RangeFunctionCall r) {
                todo.add(r.selector());
            } else if (e instanceof Aggregation a) {
                todo.add(a.argument());
            } else if (e instanceof HistogramQuantile h) {
                todo.add(h.buckets());
            } else if (e instanceof Arithmetic a) {
                todo.add(a.lhs());
                todo.add(a.rhs());
            }
        }
    }
}
