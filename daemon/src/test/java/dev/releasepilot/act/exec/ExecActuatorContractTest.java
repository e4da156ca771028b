package dev.releasepilot.act.exec;


import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.ActuatorContract;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.releasepilot.act.Command;
import dev.releasepilot.act.Weights;
import dev.releasepilot.peers.Binaries;
import dev.releasepilot.peers.EndlessReply;
import java.util.concurrent.TimeUnit;
import dev.releasepilot.peers.Caddy;
import dev.releasepilot.rules.backend.ExecBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The contract for the exec actuator driving a real LB the way an operator's script would: a shell
 * script (run directly, the script's own #! picks the shell) that PATCHes a real Caddy with curl and
 * prints the weights it reads back.
 */
class ExecActuatorContractTest extends ActuatorContract {
    static final String SCRIPT = """
            #!/bin/sh
            # Shifts traffic on Caddy through its admin API; prints the weights it reads back as JSON.
            set -eu
            admin=$1 stable=$2 canary=$3
            url="$admin/id/rp_checkout/upstreams"
            case "$RP_COMMAND" in
              rollback) body="[{\\"dial\\":\\"$stable\\"},{\\"dial\\":\\"$stable\\"},{\\"dial\\":\\"$stable\\"}]" ;;
              restore)  body="[{\\"dial\\":\\"$stable\\"},{\\"dial\\":\\"$stable\\"},{\\"dial\\":\\"$canary\\"},{\\"dial\\":\\"$stable\\"}]" ;;
              shift)    # a rollout step: RP_STABLE_WEIGHT copies of stable, RP_CANARY_WEIGHT of canary
                        body="" i=0
                        while [ "$i" -lt "$RP_STABLE_WEIGHT" ]; do body="$body{\\"dial\\":\\"$stable\\"},"; i=$((i+1)); done
                        i=0
                        while [ "$i" -lt "$RP_CANARY_WEIGHT" ]; do body="$body{\\"dial\\":\\"$canary\\"},"; i=$((i+1)); done
                        body="[${body%%,}]" ;;
              read)     body="" ;;
              *) echo "unknown RP_COMMAND '$RP_COMMAND'" >&2; exit 2 ;;
            esac
            if [ -n "$body" ]; then
              %1$s -sS -f -X PATCH -H 'Content-Type: application/json' -d "$body" "$url" >/dev/null
            fi
            up=$(%1$s -sS -f "$url")
            s=$(printf '%%s' "$up" | grep -o "\\"$stable\\"" | wc -l)
            c=$(printf '%%s' "$up" | grep -o "\\"$canary\\"" | wc -l)
            # Test switches beside the script: a read that prints no weights, a pool member the rule does not list.
            if [ "$RP_COMMAND" = read ] && [ -f "$0.unjudgeable" ]; then echo "busy, try later"; exit 0; fi
            other=""
            if [ -f "$0.other" ]; then other=', "other": 4'; fi
            printf '{"stable": %%d, "canary": %%d%%s}\\n' "$s" "$c" "$other"
            """;

    private Caddy caddy;
    private Path script;

    @Override
    protected Actuator start(Path dir) {
        caddy = new Caddy(dir.resolve("caddy"), stable.address(), canary.address()).start();
        script = writeScript(dir.resolve("shift-caddy.sh"),
                SCRIPT.formatted(Binaries.require("curl", "curl")));
        ExecBackend b = BackendYaml.parse("""
                type: exec
                command: %s
                args: ["%s", "%s", "%s"]
                stable: [{server: stable, weight: 3}]
                canary: [{server: canary, weight: 1}]
                timeout: 5s
                """.formatted(script, caddy.admin(), stable.address(), canary.address()));
        return Actuators.create(vertx, b);
    }

    @Override
    protected boolean makeReadsUnjudgeable() throws Exception {
        Files.writeString(script.resolveSibling(script.getFileName() + ".unjudgeable"), "");
        return true;
    }

    @Override
    protected Actuator withEndlessReplies(EndlessReply endless, Path dir) {
        Path big = writeScript(dir.resolve("big.sh"), "#!/bin/sh\nprintf '{\"stable\": 1, \"pad\": \"'\n"
                + "head -c 2000000 /dev/zero | tr '\\0' x\nprintf '\"}'\n");
        return Actuators.create(vertx, BackendYaml.parse("""
                type: exec
                command: %s
                stable: [{server: stable, weight: 3}]
                canary: [{server: canary, weight: 1}]
                timeout: 20s
                """.formatted(big)));
    }

    @Override
    protected void addUnmanagedConfig() throws Exception {
        Files.writeString(script.resolveSibling(script.getFileName() + ".other"), "");
    }

    @Override
    protected void assertUnmanagedConfigKept() throws Exception {
        Weights read = Actuators.create(vertx, BackendYaml.parse("""
                type: exec
                command: %s
                args: ["%s", "%s", "%s"]
                stable: [{server: stable, weight: 3}]
                canary: [{server: canary, weight: 1}]
                timeout: 5s
                """.formatted(script, caddy.admin(), stable.address(), canary.address())))
                .apply(new Command.Read("checkout")).await(20, TimeUnit.SECONDS);
        assertEquals(4, read.current().get("other"), "a pool member the rule does not list is reported as the command prints it: " + read);
    }

    static Path writeScript(Path file, String text) {
        try {
            Files.writeString(file, text);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected int frontendPort() {
        return caddy.frontendPort;
    }

    @Override
    protected String stableServer() {
        return "stable";
    }

    @Override
    protected String canaryServer() {
        return "canary";
    }

    @Override
    protected void stop() {
        caddy.close();
    }
}
