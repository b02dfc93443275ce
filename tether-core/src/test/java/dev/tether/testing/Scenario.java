package dev.tether.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Code that runs in a JVM of its own (one CPython runtime per process), started by {@link ScenarioRunner}. It
 * reports through {@link #count} and fails by throwing; {@link #main} turns that into the exit status.
 */
public abstract class Scenario {
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();

    /** The scenario body; arguments come from the runner. */
    protected abstract void run(String[] args) throws Exception;

    /**
     * Whether the JVM ends with {@link System#exit} (running shutdown hooks) rather than {@link Runtime#halt}. Off by
     * default: the verdict is in, and a scenario that leaves Python running should not wait for its close.
     */
    protected boolean exitRunsShutdownHooks() {
        return false;
    }

    /** Adds to a counter reported to the runner. Thread-safe. */
    protected final void count(String name, long delta) {
        counters.computeIfAbsent(name, k -> new LongAdder()).add(delta);
    }

    /** Adds one to a counter reported to the runner. Thread-safe. */
    protected final void count(String name) {
        count(name, 1);
    }

    /** The value of a counter so far. */
    protected final long counted(String name) {
        LongAdder a = counters.get(name);
        return a == null ? 0 : a.sum();
    }

    /** Fails the scenario unless {@code condition} holds. */
    protected static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    /** Runs {@code action} and returns what it threw, which must be a {@code type}. */
    protected static <T extends Throwable> T expectThrown(Class<T> type, Runnable action) {
        try {
            action.run();
        } catch (Throwable t) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            throw new AssertionError("expected a " + type.getSimpleName() + ", got " + t, t);
        }
        throw new AssertionError("expected a " + type.getSimpleName() + ", nothing was thrown");
    }

    /** Entry point of a scenario JVM: {@code Scenario <class> [args...]}. */
    public static void main(String[] args) throws Exception {
        Scenario scenario = (Scenario) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        int status = 0;
        try {
            scenario.run(rest);
        } catch (Throwable t) {
            System.out.flush();
            System.err.println("@failed " + t);
            t.printStackTrace();
            status = 1;
        }
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(scenario.counters).entrySet()) {
            System.out.println("@count " + e.getKey() + "=" + e.getValue().sum());
        }
        System.out.flush();
        System.err.flush();
        if (scenario.exitRunsShutdownHooks()) {
            System.exit(status);
        }
        Runtime.getRuntime().halt(status);
    }
}
