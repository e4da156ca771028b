package dev.releasepilot.peers;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test peer itself: a monitoring port taken between picking and starting must not fail a test. */
class NatsServerTest {
    @TempDir
    Path dir;

    @Test
    void aMonitoringPortTakenMeanwhileIsPickedAgain() throws Exception {
        try (NatsServer server = new NatsServer(dir)) {
            int picked = server.monitorPort();
            try (ServerSocket squatter = new ServerSocket(picked, 1, InetAddress.getLoopbackAddress())) {
                server.start();
                assertNotEquals(picked, server.monitorPort());
                assertTrue(server.varz("port") == server.port, "the client port stayed");
            }
        }
    }
}
