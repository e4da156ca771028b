package dev.releasepilot.rules.notify;

import dev.releasepilot.rules.backend.Template;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a service's notifications go (rule key {@code notify:}), one kind per receiver. Each kind
 * listens to a set of journal record types ({@code events:}); the incident hook hears only verified
 * rollbacks.
 */
public sealed interface NotifyTarget permits NotifyTarget.Slack, NotifyTarget.Webhook, NotifyTarget.Incident {
    /**
     * The journal record types worth telling people about (docs/configuration.md, "Notifications"): a
     * blocked rollback is a {@code decision} of kind {@code rollback_blocked}; an open circuit shows as
     * {@code action_failed} records with reason {@code circuit_open}; drift that repairs do not fix as
     * repeated {@code drift} records.
     */
    Set<String> EVENT_TYPES = new LinkedHashSet<>(List.of("decision", "action", "action_failed", "drift", "release",
            "rollout_step", "release_promoted"));

    /** Placeholders a message template may use; each is filled from the record ("" when it has none). */
    Set<String> PLACEHOLDERS = new LinkedHashSet<>(List.of(
            "service", "event", "kind", "trigger", "reason", "result", "error", "detail", "at"));

    URI url();

    /** Record types sent to this target. */
    Set<String> events();

    /** {@code slack | webhook | incident}: the metric label. */
    String kind();

    /**
     * A Slack-compatible incoming webhook: {@code {"text": ...}}, rendered from {@code text} or, when it
     * is null, a sentence per record type.
     */
    record Slack(URI url, Set<String> events, Template text) implements NotifyTarget {
        public Slack {
            events = Set.copyOf(events);
        }

        @Override
        public String kind() {
            return "slack";
        }
    }

    /** A generic JSON webhook: the record itself, with service and type. */
    record Webhook(URI url, Set<String> events) implements NotifyTarget {
        public Webhook {
            events = Set.copyOf(events);
        }

        @Override
        public String kind() {
            return "webhook";
        }
    }

    /**
     * An incident hook (e.g. a ticketing system's generic HTTP intake), called once per verified
     * rollback: the step after "notify" in the reference rollback sequence.
     */
    record Incident(URI url, Template title) implements NotifyTarget {
        @Override
        public Set<String> events() {
            return Set.of("action");
        }

        @Override
        public String kind() {
            return "incident";
        }
    }
}
