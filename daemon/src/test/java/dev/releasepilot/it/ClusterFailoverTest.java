package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Alertmanager;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.Postgres;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several daemon processes sharing one PostgreSQL journal and one load balancer: one Alertmanager sends
 * to all of them and exactly one acts per rollback; SIGKILL of the holder hands the service over
 * within 5 s; a holder killed mid-rollback leaves a rollback the next holder completes once, with the
 * interruption and the completion on record.
 */
class ClusterFailoverTest {
    private static final String TOKEN = "admin-secret";
    private static Postgres pg;
    private static int databases;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startPostgres() {
        pg = new Postgres().start();
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    private String lastDatabase;

    private String database() {
        lastDatabase = "cluster" + (++databases);
        return pg.createDatabase(lastDatabase);
    }

    private Path token() throws Exception {
        Path t = tmp.resolve("admin.token");
        Files.writeString(t, TOKEN);
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-------"));
        return t;
    }

    /**
     * The one instance holding {@code service}, once exactly one does and it is the one every instance
     * says should (all of them live: no hand-over pending).
     */
    static DaemonProcess holderOf(String service, List<DaemonProcess> instances, Duration within) {
        return Poll.until("exactly one instance holding " + service + ", the one that should", within, () -> {
            List<DaemonProcess> holding = instances.stream().filter(d -> d.holds(service)).toList();
            if (holding.size() != 1) {
                return null;
            }
            for (DaemonProcess d : instances) {
                JsonObject view = d.cluster();
                long live = view.getJsonArray("instances").stream().filter(i -> ((JsonObject) i).getBoolean("live")).count();
                boolean agreed = view.getJsonArray("leases").stream().map(l -> (JsonObject) l)
                        .anyMatch(l -> l.getString("service").equals(service) && holding.get(0).id.equals(l.getString("should_hold"))
                                && holding.get(0).id.equals(l.getString("holder")));
                if (live != instances.size() || !agreed) {
                    return null;
                }
            }
            return holding.get(0);
        });
    }

    @Test
    void oneAlertmanagerSendingToBothOneActionAndSigkillOfTheHolderHandsTheServiceOver() throws Exception {
        String url = database();
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            Path token = token();
            try (DaemonProcess i1 = DaemonProcess.start(tmp, "i1", rules, url, token);
                 DaemonProcess i2 = DaemonProcess.start(tmp, "i2", rules, url, token);
                 Alertmanager am = new Alertmanager(tmp.resolve("am"), List.of(i1.webhook(), i2.webhook()), "1s", null)) {
                DaemonProcess holder = holderOf("checkout", List.of(i1, i2), Duration.ofSeconds(30));
                DaemonProcess other = holder == i1 ? i2 : i1;
                JsonObject view = other.cluster();
                assertEquals(2, view.getJsonArray("instances").size(), view.encodePrettily());

                am.amtool("alert", "add", "alertname=CheckoutErrors", "severity=critical", "service=checkout");
                Poll.until("canary drained on HAProxy", Duration.ofSeconds(30), () -> haproxy.weight("canary1") == 0);
                Poll.until("the holder's action and the other's receipt journaled", Duration.ofSeconds(20),
                        () -> holder.count("checkout", "action") >= 1 && other.count("checkout", "received") >= 1);
                assertEquals(1, other.count("checkout", "action"), "one action record for the rollback: " + other.records("checkout"));
                assertEquals(1, other.records("checkout").stream().filter(r -> r.getString("type").equals("decision")
                        && "rollback".equals(r.getJsonObject("body").getString("kind"))).count());

                // A command sent to the instance that does not hold the service goes on to the one that does.
                var resumed = other.post("/api/v1/services/checkout/resume", "{\"reason\": \"fixed\"}", TOKEN);
                assertEquals(200, resumed.statusCode(), resumed.body());
                assertEquals(holder.id, resumed.headers().firstValue("X-Release-Pilot-Forwarded-To").orElse(null));
                assertEquals("STEADY", new JsonObject(resumed.body()).getString("state"), "the holder's view, resumed");
                Poll.until("the resume journaled by the holder", Duration.ofSeconds(10), () -> other.records("checkout").stream()
                        .anyMatch(r -> "resume".equals(r.getJsonObject("body").getString("kind"))));

                // The holder dies without a word: the other takes the service over.
                long killed = System.nanoTime();
                holder.kill();
                Poll.until(other.id + " holding checkout", Duration.ofSeconds(5), () -> other.holds("checkout"));
                long failoverMs = (System.nanoTime() - killed) / 1_000_000;
                assertTrue(other.count("checkout", "takeover") >= 1);
                String metrics = other.metrics();
                assertTrue(metrics.contains("release_pilot_lease_held{service=\"checkout\"} 1.0"), metrics);
                assertTrue(metrics.lines().anyMatch(l -> l.startsWith("release_pilot_lease_takeovers_total{service=\"checkout\"}")),
                        "the takeover is counted");

                // And acts on a new alert: a new release, its canary given traffic again, a new episode.
                haproxy.command("set weight be_checkout/canary1 10");
                assertEquals(200, other.post("/api/v1/services/checkout/releases", "{\"version\": \"v2\"}", TOKEN).statusCode());
                am.amtool("alert", "add", "alertname=CheckoutErrors", "severity=critical", "service=checkout", "instance=b");
                Poll.until("the new holder drained the canary", Duration.ofSeconds(20), () -> haproxy.weight("canary1") == 0);
                Poll.until("its action journaled", Duration.ofSeconds(10), () -> other.count("checkout", "action") == 2);
                System.out.println("failover after SIGKILL: " + failoverMs + " ms");
            }
        }
    }

    @Test
    void aHolderKilledMidRollbackLeavesItToTheNextHolderWhoCompletesItOnce() throws Exception {
        String url = database();
        Path lb = tmp.resolve("lb");
        Files.createDirectories(lb);
        Path script = lb.resolve("lb.sh");
        // A load balancer that is slow to apply while the "slow" file exists; it logs every write.
        Files.writeString(script, """
                #!/bin/sh
                if [ "$RP_COMMAND" = read ]; then
                  cat "%1$s/weights.json" 2>/dev/null || printf '{"stable":9,"canary":1}'
                else
                  [ -e "%1$s/slow" ] && sleep 4
                  printf '%%s' "$RP_WEIGHTS" > "%1$s/weights.json"
                  echo "$RP_WEIGHTS" >> "%1$s/writes"
                fi
                """.formatted(lb));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Path rules = tmp.resolve("rules.yaml");
        Files.writeString(rules, """
                services:
                  - name: checkout
                    backend: {type: exec, command: %s, args: [], stable: [{server: stable, weight: 9}],
                              canary: [{server: canary, weight: 1}], timeout: 10s}
                    triggers:
                      - name: paged
                        alert: '{alertname=~"Checkout.*", severity="critical"}'
                    on_trigger: rollback
                """.formatted(script));
        try (DaemonProcess i1 = DaemonProcess.start(tmp, "i1", rules, url, null);
             DaemonProcess i2 = DaemonProcess.start(tmp, "i2", rules, url, null)) {
            DaemonProcess holder = holderOf("checkout", List.of(i1, i2), Duration.ofSeconds(30));
            DaemonProcess other = holder == i1 ? i2 : i1;
            Files.createFile(lb.resolve("slow"));
            String alert = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", java.time.Instant.now().toString());
            assertEquals(200, holder.post("/api/v1/alerts/alertmanager", alert, null).statusCode());
            assertEquals(200, other.post("/api/v1/alerts/alertmanager", alert, null).statusCode());
            JsonObject decision = Poll.until("the holder's rollback decision journaled", Duration.ofSeconds(10), () ->
                    other.records("checkout").stream().filter(r -> r.getString("type").equals("decision")).findFirst().orElse(null));

            holder.kill(); // while its load balancer write is still under way
            Files.delete(lb.resolve("slow"));
            Poll.until(other.id + " completed the rollback", Duration.ofSeconds(20), () -> other.count("checkout", "action") >= 1);

            List<JsonObject> records = other.records("checkout");
            JsonObject takeover = records.stream().filter(r -> r.getString("type").equals("takeover")
                    && other.id.equals(r.getJsonObject("body").getString("holder"))).reduce((x, y) -> y).orElseThrow();
            assertEquals(decision.getLong("seq"), takeover.getJsonObject("body").getLong("interrupted"),
                    "the journal shows the interruption: " + records);
            assertEquals(holder.id, takeover.getJsonObject("body").getString("previous_holder"));
            List<JsonObject> actions = records.stream().filter(r -> r.getString("type").equals("action")).toList();
            assertEquals(1, actions.size(), "exactly one action record: " + records);
            assertEquals(decision.getLong("seq"), actions.get(0).getJsonObject("body").getLong("completes"),
                    "the completion names the interrupted decision");
            assertEquals("{\"stable\":9,\"canary\":0}", Files.readString(lb.resolve("weights.json")).strip(), "rolled back in effect");
            assertEquals("ROLLED_BACK", new JsonObject(other.get("/api/v1/services/checkout").body()).getString("state"));
        }
    }

    @Test
    void aHolderStoppedPastItsLeaseCanNeitherWriteNorActWhenItResumes() throws Exception {
        String url = database();
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            try (DaemonProcess i1 = DaemonProcess.start(tmp, "i1", rules, url, null);
                 DaemonProcess i2 = DaemonProcess.start(tmp, "i2", rules, url, null)) {
                DaemonProcess stale = holderOf("checkout", List.of(i1, i2), Duration.ofSeconds(30));
                DaemonProcess other = stale == i1 ? i2 : i1;
                long staleEpoch = other.cluster().getJsonArray("leases").getJsonObject(0).getLong("epoch");

                stale.signal("STOP");
                String alert = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", java.time.Instant.now().toString());
                var queued = stale.postLater("/api/v1/alerts/alertmanager", alert); // waits in its socket
                Poll.until(other.id + " took the lease over", Duration.ofSeconds(15), () -> other.holds("checkout"));
                assertEquals(200, other.post("/api/v1/alerts/alertmanager", alert, null).statusCode());
                Poll.until("canary drained by " + other.id, Duration.ofSeconds(20), () -> haproxy.weight("canary1") == 0);
                Poll.until("its action journaled", Duration.ofSeconds(10), () -> other.count("checkout", "action") == 1);

                haproxy.command("set weight be_checkout/canary1 10"); // so an act of the stale one would show
                stale.signal("CONT");
                assertEquals(200, queued.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode(),
                        "the stale instance took the alert as received, not as its decision");
                Poll.until(stale.id + " knows it holds nothing", Duration.ofSeconds(10), () -> !stale.holds("checkout"));
                assertEquals(10, haproxy.weight("canary1"), "the stale instance did not act");
                assertEquals(1, other.count("checkout", "action"));
                assertEquals("0", pg.sql(lastDatabase, "SELECT count(*) FROM release_pilot_journal WHERE instance_id = '"
                        + stale.id + "' AND type <> 'received' AND at > (SELECT max(at) FROM release_pilot_journal WHERE type = 'takeover')"),
                        "nothing but receipts from the stale instance after the takeover");
                assertTrue(pg.sql(lastDatabase, "SELECT count(*) FROM release_pilot_journal WHERE epoch = " + staleEpoch
                        + " AND at > (SELECT max(at) FROM release_pilot_journal WHERE type = 'takeover')").equals("0"));
            }
        }
    }

    @Test
    void postgresRestartedMidRunInstancesReconnectRollBackMeanwhileAndLoseNothing() throws Exception {
        try (Postgres own = new Postgres().start();
             Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            String url = own.createDatabase("outage");
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            try (DaemonProcess i1 = DaemonProcess.start(tmp, "i1", rules, url, null);
                 DaemonProcess i2 = DaemonProcess.start(tmp, "i2", rules, url, null)) {
                holderOf("checkout", List.of(i1, i2), Duration.ofSeconds(30));
                own.stop();
                Poll.until("both instances know the database is gone", Duration.ofSeconds(10),
                        () -> !i1.cluster().getBoolean("connected") && !i2.cluster().getBoolean("connected"));

                // During the outage a rollback (the safe direction) is still decided and applied.
                String alert = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", java.time.Instant.now().toString());
                assertEquals(200, i1.post("/api/v1/alerts/alertmanager", alert, null).statusCode(), "kept in the spool");
                assertEquals(200, i2.post("/api/v1/alerts/alertmanager", alert, null).statusCode());
                Poll.until("canary drained during the outage", Duration.ofSeconds(20), () -> haproxy.weight("canary1") == 0);

                own.start();
                DaemonProcess holder = holderOf("checkout", List.of(i1, i2), Duration.ofSeconds(30));
                Poll.until("the outage's records in the shared journal", Duration.ofSeconds(20),
                        () -> holder.count("checkout", "action") >= 1 && holder.count("checkout", "decision") >= 1);
                List<JsonObject> records = holder.records("checkout");
                long alerts = records.stream().filter(r -> r.getString("type").equals("alert")).count();
                assertTrue(alerts >= 1, "the alert is on record: " + records);
                assertEquals("ROLLED_BACK", new JsonObject(holder.get("/api/v1/services/checkout").body()).getString("state"),
                        "the holder caught up on what was decided during the outage");
                Poll.until("both instances reconnected", Duration.ofSeconds(10),
                        () -> i1.cluster().getBoolean("connected") && i2.cluster().getBoolean("connected"));
            }
        }
    }

    @Test
    void threeInstancesShareSixServicesAndActOncePerRollback() throws Exception {
        String url = database();
        List<String> services = List.of("s1", "s2", "s3", "s4", "s5", "s6");
        try (Haproxy haproxy = Haproxy.withBackends(tmp.resolve("haproxy"), services.stream().map(n -> "be_" + n).toList()).start()) {
            StringBuilder yaml = new StringBuilder("services:\n");
            for (String n : services) {
                yaml.append("""
                          - name: %1$s
                            backend: {type: haproxy, address: "%2$s", backend: be_%1$s, stable: [stable1], canary: [canary1], timeout: 1s}
                            triggers:
                              - name: paged
                                alert: '{alertname="Errors", service="%1$s"}'
                            on_trigger: rollback
                        """.formatted(n, haproxy.address()));
            }
            Path rules = tmp.resolve("rules.yaml");
            Files.writeString(rules, yaml.toString());
            try (DaemonProcess i1 = DaemonProcess.start(tmp, "i1", rules, url, null);
                 DaemonProcess i2 = DaemonProcess.start(tmp, "i2", rules, url, null);
                 DaemonProcess i3 = DaemonProcess.start(tmp, "i3", rules, url, null);
                 Alertmanager am = new Alertmanager(tmp.resolve("am"), List.of(i1.webhook(), i2.webhook(), i3.webhook()), "1s", null)) {
                List<DaemonProcess> all = List.of(i1, i2, i3);
                java.util.Set<String> holders = new java.util.HashSet<>();
                for (String n : services) {
                    holders.add(holderOf(n, all, Duration.ofSeconds(30)).id);
                }
                assertTrue(holders.size() >= 2, "the services are shared, not all on one instance: " + holders);
                for (String n : services) {
                    am.amtool("alert", "add", "alertname=Errors", "service=" + n);
                }
                for (String n : services) {
                    Poll.until(n + " drained", Duration.ofSeconds(30), () -> haproxy.weight("be_" + n, "canary1") == 0);
                    Poll.until(n + "'s receipts from the two other instances", Duration.ofSeconds(20),
                            () -> i1.count(n, "received") >= 2 && i1.count(n, "action") >= 1);
                    assertEquals(1, i1.count(n, "action"), n + ": one action record, not one per instance");
                }
            }
        }
    }
}
