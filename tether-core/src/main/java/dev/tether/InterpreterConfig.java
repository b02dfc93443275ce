package dev.tether;

/**
 * How a subinterpreter is configured: the presets of CPython's {@code PyInterpreterConfig}.
 *
 * <table class="striped">
 *   <caption>Presets</caption>
 *   <thead><tr><th>Preset</th><th>CPython 3.12+</th><th>CPython 3.9-3.11</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@link #isolated()} (the default)</td><td>own GIL and allocator; extension modules must support
 *         isolated interpreters; no fork, exec or daemon threads</td><td>shares the main GIL (the only kind)</td></tr>
 *     <tr><td>{@link #legacy()}</td><td>shares the main interpreter's GIL and allocator; single-phase-init
 *         extension modules load; threads, daemon threads, fork and exec allowed</td><td>the same as
 *         {@code isolated()}</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>Immutable and thread-safe.
 */
public final class InterpreterConfig {
    private static final InterpreterConfig ISOLATED = new InterpreterConfig(true);
    private static final InterpreterConfig LEGACY = new InterpreterConfig(false);

    private final boolean isolated;

    private InterpreterConfig(boolean isolated) {
        this.isolated = isolated;
    }

    /** An isolated subinterpreter with its own GIL where the version allows it (3.12+). */
    public static InterpreterConfig isolated() {
        return ISOLATED;
    }

    /** A subinterpreter that shares the main interpreter's GIL and allocator, as before 3.12. */
    public static InterpreterConfig legacy() {
        return LEGACY;
    }

    boolean isIsolated() {
        return isolated;
    }

    @Override
    public String toString() {
        return isolated ? "InterpreterConfig.isolated()" : "InterpreterConfig.legacy()";
    }
}
