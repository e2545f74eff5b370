package dev.relay.examples.iot;

import java.io.PrintStream;

/** The scenario's console output: who does what, and whether each promise held. */
final class Narrator {
    private final PrintStream out;
    private final long started = System.nanoTime();
    private int failures;

    Narrator(PrintStream out) {
        this.out = out;
    }

    void title(String text) {
        out.println();
        out.println(text);
        out.println("-".repeat(Math.min(100, text.length())));
    }

    void step(int number, String text) {
        out.println();
        out.printf("Step %d. %s%n", number, text);
    }

    /** Something an actor does or sees, e.g. {@code says("fan", "turning ON")}. */
    void says(String actor, String text) {
        out.printf("  %6.1fs  %-10s %s%n", (System.nanoTime() - started) / 1e9, actor, text);
    }

    void check(boolean held, String promise) {
        if (!held) {
            failures++;
        }
        out.printf("  %s %s%n", held ? "[ok]  " : "[FAIL]", promise);
    }

    int failures() {
        return failures;
    }
}
