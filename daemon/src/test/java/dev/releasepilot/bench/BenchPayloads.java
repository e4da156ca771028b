package dev.releasepilot.bench;

import dev.releasepilot.ingest.remotewrite.ProtoWriter;
import dev.releasepilot.ingest.remotewrite.WriteRequestBuilder;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pre-built remote_write bodies shaped like Prometheus' own (one sample per TimeSeries, sorted labels,
 * up to 500 samples per request) over realistic label sets: {@code series / 50} scrape targets, each
 * exposing the same 50 series (request counters by code and method, latency histogram buckets,
 * process and pool gauges) with instance, job, namespace, pod, region, track and the external label
 * replica. Round r carries every series once at {@code t0 + r * 15 s}, so each series' timestamps
 * increase request after request, as a TSDB requires.
 */
final class BenchPayloads {
    static final int SAMPLES_PER_REQUEST = 500;
    static final int SERIES_PER_TARGET = 50;
    private static final long SCRAPE_INTERVAL_MS = 15_000;
    private static final String[] JOBS = {"checkout", "billing", "search", "catalog", "cart", "auth", "payments", "shipping"};
    private static final String[] REGIONS = {"eu-west-1", "eu-central-1", "us-east-1", "ap-southeast-2"};
    /** Every metric name the payloads use: 20 request counters, 12 histogram buckets, then one series each. */
    static final List<String> METRICS = List.of("http_requests_total", "http_request_duration_seconds_bucket",
            "http_request_duration_seconds_sum", "http_request_duration_seconds_count",
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
            "jvm_memory_used_bytes", "jvm_memory_max_bytes", "jvm_gc_pause_seconds_count",
            "jvm_threads_live_threads", "db_connections_in_use", "db_connections_max",
            "db_connection_errors_total", "cache_hits_total", "cache_misses_total",
            "queue_depth", "queue_oldest_message_age_seconds", "up_since_seconds", "build_info");

    /**
     * Warm-up chunks, each {@code warmRounds} rounds (per shard, the requests in send order), sent one
     * after another until the receiver has warmed up; then the timed requests, per shard.
     */
    final List<List<List<byte[]>>> warmup = new ArrayList<>();
    final List<List<byte[]>> timed = new ArrayList<>();
    final int series;
    final long warmupSamples;
    final long timedSamples;
    long rawBytes;
    long compressedBytes;
    int requests;

    /**
     * {@code warmChunks * warmRounds + timedRounds} rounds over {@code series} series (a multiple of 50) ending at
     * {@code endMs}, split into {@code shards} streams the way Prometheus shards by series: a series
     * always goes to the same shard, so sending each shard's requests one after another keeps every
     * series in timestamp order however the shards interleave.
     */
    BenchPayloads(int series, int warmRounds, int warmChunks, int timedRounds, int shards, long endMs) {
        if (series % SERIES_PER_TARGET != 0) {
            throw new IllegalArgumentException("series must be a multiple of " + SERIES_PER_TARGET);
        }
        this.series = series;
        this.warmupSamples = (long) series * warmRounds;
        this.timedSamples = (long) series * timedRounds;
        byte[][] labels = new byte[series][];
        for (int i = 0; i < series; i++) {
            labels[i] = encodedLabels(i / SERIES_PER_TARGET, i % SERIES_PER_TARGET);
        }
        int warmTotal = warmChunks * warmRounds;
        long t0 = endMs - (long) (warmTotal + timedRounds) * SCRAPE_INTERVAL_MS;
        for (int c = 0; c < warmChunks; c++) {
            List<List<byte[]>> chunk = new ArrayList<>();
            for (int shard = 0; shard < shards; shard++) {
                chunk.add(requests(labels, shard, shards, c * warmRounds, (c + 1) * warmRounds, t0));
            }
            warmup.add(chunk);
        }
        for (int shard = 0; shard < shards; shard++) {
            timed.add(requests(labels, shard, shards, warmTotal, warmTotal + timedRounds, t0));
        }
    }

    /** One shard's requests for rounds [fromRound, toRound): every series {@code i % shards == shard}. */
    private List<byte[]> requests(byte[][] labels, int shard, int shards, int fromRound, int toRound, long t0) {
        List<byte[]> out = new ArrayList<>();
        ByteArrayOutputStream request = new ByteArrayOutputStream(SAMPLES_PER_REQUEST * 300);
        int inRequest = 0;
        for (int r = fromRound; r < toRound; r++) {
            long ts = t0 + r * SCRAPE_INTERVAL_MS;
            for (int i = shard; i < labels.length; i += shards) {
                byte[] sample = WriteRequestBuilder.sample(value(i, r), ts).toBytes();
                byte[] entry = new ProtoWriter().message(1, new ProtoWriter().raw(labels[i]).bytes(2, sample)).toBytes();
                request.write(entry, 0, entry.length);
                if (++inRequest == SAMPLES_PER_REQUEST) {
                    out.add(finish(request));
                    inRequest = 0;
                }
            }
        }
        if (inRequest > 0) {
            out.add(finish(request));
        }
        return out;
    }

    private byte[] finish(ByteArrayOutputStream request) {
        byte[] body = WriteRequestBuilder.compress(request.toByteArray());
        rawBytes += request.size();
        compressedBytes += body.length;
        requests++;
        request.reset();
        return body;
    }

    /** Up to {@code n} requests from the start of the timed pass, for measuring the decode cost in-process. */
    List<byte[]> sampleOfRequests(int n) {
        return interleaved(timed, n);
    }

    /** The first warm-up chunk's requests in the order the shards send them. */
    List<byte[]> warmupRequests() {
        return interleaved(warmup.get(0), Integer.MAX_VALUE);
    }

    private static List<byte[]> interleaved(List<List<byte[]>> shards, int n) {
        List<byte[]> out = new ArrayList<>();
        for (int k = 0; out.size() < n; k++) {
            boolean any = false;
            for (List<byte[]> shard : shards) {
                if (k < shard.size() && out.size() < n) {
                    out.add(shard.get(k));
                    any = true;
                }
            }
            if (!any) {
                break;
            }
        }
        return out;
    }

    /** Counters grow with the round; gauges wander. */
    private static double value(int series, int round) {
        return series % 3 == 0 ? 100.0 + ((series * 31 + round * 7) % 50) : (double) round * (series % 17 + 1);
    }

    /** The Label submessages (field 1 of TimeSeries) of one series, sorted by name. */
    private static byte[] encodedLabels(int target, int k) {
        Map<String, String> l = new TreeMap<>();
        String job = JOBS[target % JOBS.length];
        l.put("instance", "10." + (target >> 16 & 255) + "." + (target >> 8 & 255) + "." + (target & 255) + ":8080");
        l.put("job", job);
        l.put("namespace", "prod-" + job);
        l.put("pod", job + "-" + Integer.toHexString(0x5f3a9c10 + target * 7919) + "-" + Integer.toString(36 * 36 * 36 + target * 131, 36));
        l.put("region", REGIONS[target % REGIONS.length]);
        l.put("track", target % 10 == 0 ? "canary" : "stable");
        l.put("replica", "r1");
        String[] codes = {"200", "201", "204", "301", "400", "401", "404", "429", "500", "503"};
        String[] le = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"};
        if (k < 20) {
            l.put("__name__", METRICS.get(0));
            l.put("code", codes[k % 10]);
            l.put("method", k < 10 ? "GET" : "POST");
            l.put("handler", "/api/v1/" + job);
        } else if (k < 32) {
            l.put("__name__", METRICS.get(1));
            l.put("handler", "/api/v1/" + job);
            l.put("le", le[k - 20]);
        } else {
            l.put("__name__", METRICS.get(k - 30));
            if (METRICS.get(k - 30).startsWith("db_")) {
                l.put("pool", "primary");
            }
        }
        ProtoWriter w = new ProtoWriter();
        l.forEach((name, value) -> w.message(1, WriteRequestBuilder.label(name, value)));
        return w.toBytes();
    }
}
