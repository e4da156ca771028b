package dev.releasepilot.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Canary traces of our own making, shaped like recordings of real releases: per service, two
 * instances exporting {@code http_requests_total{code}} counters and
 * {@code http_request_duration_seconds_bucket{le}} histogram counters, one scrape a second. Every
 * number comes from a seeded {@link Random}, so the same arguments give the same samples.
 *
 * <p>Series labels, sorted by name as Prometheus sends them: {@code __name__, code|le, instance,
 * service, track="canary"}.
 */
final class CanaryTraces {
    /** What a release does to its canary over the trace. */
    enum Shape {
        /** 0.5 % errors, fast: never decides. */
        HEALTHY,
        /** The error ratio hops between 2 % and 9 % in phases of 10-45 s: decides now and then. */
        FLAPPING,
        /** 50 % errors at a few requests a minute: the traffic guard keeps it NO_DATA, never decides. */
        LOW_TRAFFIC,
        /** Healthy, with instance restarts (counters back to 0), then a regression late in the trace. */
        COUNTER_RESETS,
        /** Scrapes missing (one instance, then both), then a regression. */
        SCRAPE_GAPS,
        /** Errors and latency creep up over the whole trace. */
        SLOW_CREEP,
        /** Healthy for 200 s, then 25 % errors and slow. */
        SUDDEN_REGRESSION,
        /** Healthy with 4 s bursts of errors and 2 s of slow requests: too short to decide. */
        BRIEF_SPIKES
    }

    /** Upper bounds of the latency histogram's buckets, in seconds; +Inf last. */
    static final double[] LE = {0.05, 0.1, 0.25, 0.5, 1, 2.5, Double.POSITIVE_INFINITY};
    private static final String[] INSTANCES = {"a", "b"};

    /** One service's trace: its name, its shape, and the millisecond within each second its scrapes land. */
    record Service(String name, Shape shape, long offsetMs) {
    }

    /** One sample of one series; {@code labels} are sorted name, value pairs including {@code __name__}. */
    record Point(long timestampMs, double value, String[] labels) {
    }

    private CanaryTraces() {
    }

    /** {@code count} services cycling through every shape, scrape offsets drawn from {@code seed}. */
    static List<Service> services(int count, long seed) {
        Random r = new Random(seed);
        List<Service> out = new ArrayList<>();
        Shape[] shapes = Shape.values();
        for (int i = 0; i < count; i++) {
            out.add(new Service("svc%02d".formatted(i + 1), shapes[i % shapes.length], 1 + r.nextInt(998)));
        }
        return out;
    }

    /**
     * The samples of every service, second by second: element {@code s} holds every sample scraped
     * during second {@code s} of the trace (timestamps {@code startMs + s * 1000 + offset}).
     */
    static List<List<Point>> generate(List<Service> services, long startMs, int seconds, long seed) {
        List<List<Point>> steps = new ArrayList<>(seconds);
        for (int s = 0; s < seconds; s++) {
            steps.add(new ArrayList<>());
        }
        for (Service svc : services) {
            Random r = new Random(seed ^ svc.name().hashCode());
            Scenario sc = new Scenario(svc.shape(), seconds, r);
            for (String instance : INSTANCES) {
                String[][] labels = labels(svc.name(), instance);
                double[] counters = new double[labels.length];
                for (int s = 0; s < seconds; s++) {
                    if (sc.resets(instance, s)) {
                        java.util.Arrays.fill(counters, 0);
                    }
                    int requests = poisson(r, sc.requestsPerSecond(s));
                    int errors = 0;
                    for (int q = 0; q < requests; q++) {
                        if (r.nextDouble() < sc.errorRatio(s)) {
                            errors++;
                        }
                        double latency = -sc.meanLatency(s) * Math.log(1 - r.nextDouble());
                        for (int b = 0; b < LE.length; b++) {
                            if (latency <= LE[b]) {
                                counters[2 + b]++;
                            }
                        }
                    }
                    counters[0] += requests - errors;
                    counters[1] += errors;
                    if (sc.gap(instance, s)) {
                        continue; // the scrape failed: the counters moved on, nobody saw them
                    }
                    long ts = startMs + s * 1000L + svc.offsetMs();
                    for (int k = 0; k < labels.length; k++) {
                        steps.get(s).add(new Point(ts, counters[k], labels[k]));
                    }
                }
            }
        }
        return steps;
    }

    private static String[][] labels(String service, String instance) {
        String[][] out = new String[2 + LE.length][];
        out[0] = new String[]{"__name__", "http_requests_total", "code", "200", "instance", instance,
                "service", service, "track", "canary"};
        out[1] = new String[]{"__name__", "http_requests_total", "code", "500", "instance", instance,
                "service", service, "track", "canary"};
        for (int b = 0; b < LE.length; b++) {
            String le = Double.isInfinite(LE[b]) ? "+Inf" : Double.toString(LE[b]);
            out[2 + b] = new String[]{"__name__", "http_request_duration_seconds_bucket", "instance", instance,
                    "le", le, "service", service, "track", "canary"};
        }
        return out;
    }

    /** Knuth's method; fine for the small means used here. */
    private static int poisson(Random r, double mean) {
        double limit = Math.exp(-mean);
        double p = r.nextDouble();
        int k = 0;
        while (p > limit) {
            p *= r.nextDouble();
            k++;
        }
        return k;
    }

    /** The shape's error ratio, latency and traffic at each second; flapping phases drawn once. */
    private static final class Scenario {
        private final Shape shape;
        private final int seconds;
        private final boolean[] high; // FLAPPING: whether second s is in a bad phase

        Scenario(Shape shape, int seconds, Random r) {
            this.shape = shape;
            this.seconds = seconds;
            this.high = new boolean[seconds];
            boolean bad = false;
            int s = 0;
            while (s < seconds) {
                int len = 10 + r.nextInt(36);
                for (int i = s; i < Math.min(seconds, s + len); i++) {
                    high[i] = bad;
                }
                s += len;
                bad = !bad;
            }
        }

        double requestsPerSecond(int s) {
            return shape == Shape.LOW_TRAFFIC ? 0.1 : 20;
        }

        double errorRatio(int s) {
            return switch (shape) {
                case HEALTHY -> 0.005;
                case FLAPPING -> high[s] ? 0.09 : 0.02;
                case LOW_TRAFFIC -> 0.5;
                case COUNTER_RESETS -> s < seconds * 3 / 4 ? 0.01 : 0.2;
                case SCRAPE_GAPS -> s < seconds / 2 ? 0.01 : 0.2;
                case SLOW_CREEP -> 0.01 + 0.12 * s / seconds;
                case SUDDEN_REGRESSION -> s < 200 ? 0.005 : 0.25;
                case BRIEF_SPIKES -> s % 140 >= 120 && s % 140 < 124 ? 0.5 : 0.005;
            };
        }

        double meanLatency(int s) {
            return switch (shape) {
                case SLOW_CREEP -> 0.05 + 0.3 * s / seconds;
                case SUDDEN_REGRESSION -> s < 200 ? 0.08 : 0.9;
                case BRIEF_SPIKES -> s % 140 >= 120 && s % 140 < 122 ? 2.0 : 0.08;
                default -> 0.08;
            };
        }

        /** Instance restarts: its counters start again from 0. */
        boolean resets(String instance, int s) {
            return shape == Shape.COUNTER_RESETS && (instance.equals("a") ? s == 150 || s == 330 : s == 240);
        }

        boolean gap(String instance, int s) {
            if (shape != Shape.SCRAPE_GAPS) {
                return false;
            }
            return (instance.equals("b") && s >= 100 && s < 120) || (s >= 200 && s < 215) || (s >= 320 && s < 335);
        }
    }
}
