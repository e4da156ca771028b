package dev.releasepilot.cli;

/** SIGHUP handling via the JDK's sun.misc.Signal (jdk.unsupported): the only way without JNI. */
final class Signals {
    private Signals() {
    }

    static void onHangup(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> action.run());
        } catch (IllegalArgumentException e) {
            System.err.println("SIGHUP not available on this platform; use POST /-/reload");
        }
    }
}
