package dev.tether.internal.runtime;

import dev.tether.internal.protocol.Failures;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What {@code InterpreterConfig} asked for: CPython's {@code PyInterpreterConfig} fields (F-SUBINTERPRETER-CONFIG),
 * the preset they started from, and which fields were set explicitly (only those are refused on versions without
 * the field).
 *
 * @param preset   "isolated" or "legacy": how messages name the starting point
 * @param explicit the names of the fields set one by one ({@code allowThreads}...), in the public API's spelling
 */
public record SubinterpreterConfig(String preset, boolean useMainObmalloc, boolean allowFork, boolean allowExec,
                                   boolean allowThreads, boolean allowDaemonThreads,
                                   boolean checkMultiInterpExtensions, boolean ownGil, Set<String> explicit) {
    /** {@code PyInterpreterConfig_SHARED_GIL} and {@code PyInterpreterConfig_OWN_GIL}. */
    static final int SHARED_GIL = 1;
    static final int OWN_GIL = 2;

    public SubinterpreterConfig {
        explicit = Set.copyOf(explicit);
    }

    /** Whether this asks for what {@code Py_NewInterpreter} gives (the legacy settings). */
    boolean isLegacy() {
        return useMainObmalloc && allowFork && allowExec && allowThreads && allowDaemonThreads
                && !checkMultiInterpExtensions && !ownGil;
    }

    /** The seven {@code int}s of {@code PyInterpreterConfig}, in struct order. */
    int[] fields() {
        return new int[] {bit(useMainObmalloc), bit(allowFork), bit(allowExec), bit(allowThreads),
                bit(allowDaemonThreads), bit(checkMultiInterpExtensions), ownGil ? OWN_GIL : SHARED_GIL};
    }

    /**
     * Refuses what the running CPython cannot create: on 3.9-3.11 ({@code Py_NewInterpreter} only) every field set
     * explicitly to a value other than the legacy one; on 3.12+ the combinations CPython rejects or documents as
     * invalid (F-SUBINTERPRETER-CONFIG).
     */
    void check(int minor) {
        if (minor < 12) {
            List<String> unsupported = new ArrayList<>();
            addIf(unsupported, "useMainObmalloc", !useMainObmalloc);
            addIf(unsupported, "allowFork", !allowFork);
            addIf(unsupported, "allowExec", !allowExec);
            addIf(unsupported, "allowThreads", !allowThreads);
            addIf(unsupported, "allowDaemonThreads", !allowDaemonThreads);
            addIf(unsupported, "checkMultiInterpExtensions", checkMultiInterpExtensions);
            addIf(unsupported, "ownGil", ownGil);
            if (!unsupported.isEmpty()) {
                throw Failures.interpreterConfigNeeds312(minor, unsupported);
            }
            return;
        }
        if (!useMainObmalloc && !checkMultiInterpExtensions) {
            throw Failures.interpreterConfigInvalid("useMainObmalloc(false) requires checkMultiInterpExtensions(true):"
                    + " an interpreter with its own allocator cannot share single-phase-init extension modules");
        }
        if (useMainObmalloc && ownGil) {
            throw Failures.interpreterConfigInvalid("ownGil(true) requires useMainObmalloc(false): an interpreter with"
                    + " its own GIL must have its own allocator");
        }
    }

    private void addIf(List<String> names, String field, boolean differs) {
        if (differs && explicit.contains(field)) {
            names.add(field);
        }
    }

    private static int bit(boolean b) {
        return b ? 1 : 0;
    }
}
