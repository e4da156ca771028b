package dev.releasepilot.decide;

/**
 * The key under which a service's expr trigger registers its expressions in the window stage's
 * selector index, and by which the window stage reports which triggers new samples touched:
 * {@code service/trigger}. Service names cannot contain the separator (the rule loader refuses it).
 */
public final class TriggerKey {
    private static final char SEPARATOR = '/';

    private TriggerKey() {
    }

    public static String of(String service, String trigger) {
        return service + SEPARATOR + trigger;
    }

    static String service(String key) {
        return key.substring(0, key.indexOf(SEPARATOR));
    }

    static String trigger(String key) {
        return key.substring(key.indexOf(SEPARATOR) + 1);
    }
}
