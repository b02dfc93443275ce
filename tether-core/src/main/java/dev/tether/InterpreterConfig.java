package dev.tether;

import dev.tether.internal.runtime.SubinterpreterConfig;
import java.util.HashSet;
import java.util.Set;

/**
 * How a subinterpreter is made ({@link PythonRuntime#newInterpreter(InterpreterConfig)}): the fields of CPython's
 * {@code PyInterpreterConfig}, starting from one of two presets. Immutable: each setter returns a new config.
 *
 * {@snippet :
 * Interpreter fast = python.newInterpreter(InterpreterConfig.isolated());          // own GIL on 3.12+
 * Interpreter compat = python.newInterpreter(InterpreterConfig.legacy());          // numpy, lxml... load here
 * Interpreter quiet = python.newInterpreter(InterpreterConfig.isolated().allowThreads(false));
 * }
 *
 * <h2 id="presets">Presets</h2>
 * <table class="striped">
 *   <caption>The two presets, field by field</caption>
 *   <thead><tr><th>Field</th><th>{@link #isolated()}</th><th>{@link #legacy()}</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@link #ownGil(boolean) ownGil}</td><td>true</td><td>false: shares the main interpreter's GIL</td></tr>
 *     <tr><td>{@link #useMainObmalloc(boolean) useMainObmalloc}</td><td>false</td><td>true</td></tr>
 *     <tr><td>{@link #checkMultiInterpExtensions(boolean) checkMultiInterpExtensions}</td><td>true: single-phase
 *         init extension modules (numpy, lxml...) refuse to load</td><td>false: they load (see the guide on which
 *         work in more than one interpreter)</td></tr>
 *     <tr><td>{@link #allowThreads(boolean) allowThreads}</td><td>true</td><td>true</td></tr>
 *     <tr><td>{@link #allowDaemonThreads(boolean) allowDaemonThreads}</td><td>false</td><td>true</td></tr>
 *     <tr><td>{@link #allowFork(boolean) allowFork}</td><td>false</td><td>true (but see the guide: Tether refuses
 *         {@code os.fork()} in a JVM unless asked)</td></tr>
 *     <tr><td>{@link #allowExec(boolean) allowExec}</td><td>false</td><td>true</td></tr>
 *   </tbody>
 * </table>
 *
 * <h2 id="versions">CPython versions</h2>
 * {@code PyInterpreterConfig} exists from CPython 3.12. On 3.9-3.11 every subinterpreter is what
 * {@code Py_NewInterpreter} makes: the legacy kind, sharing the main GIL. There {@link #isolated()} as it is gives
 * that legacy kind too (the most isolated the version offers, so {@link PythonRuntime#newInterpreter()} works
 * everywhere), but a field <em>set explicitly</em> to a value the legacy kind does not have (for example
 * {@code ownGil(true)} or {@code allowThreads(false)}) is refused with {@link ErrorCode#INVALID_CONFIGURATION}. On
 * 3.12+ the combinations CPython rejects are refused the same way: {@code useMainObmalloc(false)} needs
 * {@code checkMultiInterpExtensions(true)}, and {@code ownGil(true)} needs {@code useMainObmalloc(false)}.
 *
 * <h2 id="thread-safety">Thread safety</h2>
 * Immutable; safe to share.
 */
public final class InterpreterConfig {
    private final String preset;
    private final boolean useMainObmalloc;
    private final boolean allowFork;
    private final boolean allowExec;
    private final boolean allowThreads;
    private final boolean allowDaemonThreads;
    private final boolean checkMultiInterpExtensions;
    private final boolean ownGil;
    /** The fields set one by one, in this class's spelling. */
    private final Set<String> explicit;

    private InterpreterConfig(String preset, boolean useMainObmalloc, boolean allowFork, boolean allowExec,
                              boolean allowThreads, boolean allowDaemonThreads, boolean checkMultiInterpExtensions,
                              boolean ownGil, Set<String> explicit) {
        this.preset = preset;
        this.useMainObmalloc = useMainObmalloc;
        this.allowFork = allowFork;
        this.allowExec = allowExec;
        this.allowThreads = allowThreads;
        this.allowDaemonThreads = allowDaemonThreads;
        this.checkMultiInterpExtensions = checkMultiInterpExtensions;
        this.ownGil = ownGil;
        this.explicit = Set.copyOf(explicit);
    }

    /**
     * An isolated subinterpreter (the default of {@link PythonRuntime#newInterpreter()}): its own GIL and allocator
     * on 3.12+, threads allowed, no daemon threads, no fork or exec, single-phase init extension modules refused.
     * On 3.9-3.11, a legacy subinterpreter (see <a href="#versions">CPython versions</a>).
     */
    public static InterpreterConfig isolated() {
        return new InterpreterConfig("isolated", false, false, false, true, false, true, true, Set.of());
    }

    /**
     * A legacy subinterpreter, as {@code Py_NewInterpreter} makes: it shares the main interpreter's GIL and
     * allocator, so threads attached to it never run Python in parallel with the main interpreter's; it allows
     * threads, daemon threads, fork and exec, and loads single-phase init extension modules (numpy, lxml).
     */
    public static InterpreterConfig legacy() {
        return new InterpreterConfig("legacy", true, true, true, true, true, false, false, Set.of());
    }

    /** Whether the interpreter has its own GIL ({@code gil = PyInterpreterConfig_OWN_GIL}) rather than sharing it. */
    public InterpreterConfig ownGil(boolean own) {
        return with("ownGil", useMainObmalloc, allowFork, allowExec, allowThreads, allowDaemonThreads,
                checkMultiInterpExtensions, own);
    }

    /** Whether the interpreter uses the main interpreter's object allocator ({@code use_main_obmalloc}). */
    public InterpreterConfig useMainObmalloc(boolean shared) {
        return with("useMainObmalloc", shared, allowFork, allowExec, allowThreads, allowDaemonThreads,
                checkMultiInterpExtensions, ownGil);
    }

    /** Whether Python code may start threads there ({@code allow_threads}). */
    public InterpreterConfig allowThreads(boolean allow) {
        return with("allowThreads", useMainObmalloc, allowFork, allowExec, allow, allowDaemonThreads,
                checkMultiInterpExtensions, ownGil);
    }

    /** Whether Python code may start daemon threads there ({@code allow_daemon_threads}). */
    public InterpreterConfig allowDaemonThreads(boolean allow) {
        return with("allowDaemonThreads", useMainObmalloc, allowFork, allowExec, allowThreads, allow,
                checkMultiInterpExtensions, ownGil);
    }

    /** Whether CPython lets code there call {@code os.fork()} ({@code allow_fork}). */
    public InterpreterConfig allowFork(boolean allow) {
        return with("allowFork", useMainObmalloc, allow, allowExec, allowThreads, allowDaemonThreads,
                checkMultiInterpExtensions, ownGil);
    }

    /** Whether CPython lets code there call {@code os.execv()} and friends ({@code allow_exec}). */
    public InterpreterConfig allowExec(boolean allow) {
        return with("allowExec", useMainObmalloc, allowFork, allow, allowThreads, allowDaemonThreads,
                checkMultiInterpExtensions, ownGil);
    }

    /**
     * Whether single-phase init extension modules are refused there ({@code check_multi_interp_extensions}):
     * {@code ImportError: module ... does not support loading in subinterpreters}.
     */
    public InterpreterConfig checkMultiInterpExtensions(boolean check) {
        return with("checkMultiInterpExtensions", useMainObmalloc, allowFork, allowExec, allowThreads,
                allowDaemonThreads, check, ownGil);
    }

    /** See {@link #ownGil(boolean)}. */
    public boolean ownGil() {
        return ownGil;
    }

    /** See {@link #useMainObmalloc(boolean)}. */
    public boolean useMainObmalloc() {
        return useMainObmalloc;
    }

    /** See {@link #allowThreads(boolean)}. */
    public boolean allowThreads() {
        return allowThreads;
    }

    /** See {@link #allowDaemonThreads(boolean)}. */
    public boolean allowDaemonThreads() {
        return allowDaemonThreads;
    }

    /** See {@link #allowFork(boolean)}. */
    public boolean allowFork() {
        return allowFork;
    }

    /** See {@link #allowExec(boolean)}. */
    public boolean allowExec() {
        return allowExec;
    }

    /** See {@link #checkMultiInterpExtensions(boolean)}. */
    public boolean checkMultiInterpExtensions() {
        return checkMultiInterpExtensions;
    }

    /** For example {@code InterpreterConfig[isolated, allowThreads=false]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("InterpreterConfig[").append(preset);
        for (String field : new String[] {"ownGil", "useMainObmalloc", "checkMultiInterpExtensions", "allowThreads",
                "allowDaemonThreads", "allowFork", "allowExec"}) {
            if (explicit.contains(field)) {
                sb.append(", ").append(field).append('=').append(value(field));
            }
        }
        return sb.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InterpreterConfig c && toInternal().equals(c.toInternal());
    }

    @Override
    public int hashCode() {
        return toInternal().hashCode();
    }

    SubinterpreterConfig toInternal() {
        return new SubinterpreterConfig(preset, useMainObmalloc, allowFork, allowExec, allowThreads,
                allowDaemonThreads, checkMultiInterpExtensions, ownGil, explicit);
    }

    private boolean value(String field) {
        return switch (field) {
            case "ownGil" -> ownGil;
            case "useMainObmalloc" -> useMainObmalloc;
            case "checkMultiInterpExtensions" -> checkMultiInterpExtensions;
            case "allowThreads" -> allowThreads;
            case "allowDaemonThreads" -> allowDaemonThreads;
            case "allowFork" -> allowFork;
            default -> allowExec;
        };
    }

    private InterpreterConfig with(String field, boolean useMainObmalloc, boolean allowFork, boolean allowExec,
                                   boolean allowThreads, boolean allowDaemonThreads,
                                   boolean checkMultiInterpExtensions, boolean ownGil) {
        Set<String> fields = new HashSet<>(explicit);
        fields.add(field);
        return new InterpreterConfig(preset, useMainObmalloc, allowFork, allowExec, allowThreads, allowDaemonThreads,
                checkMultiInterpExtensions, ownGil, fields);
    }
}
