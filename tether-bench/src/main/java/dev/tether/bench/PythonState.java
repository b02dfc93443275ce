package dev.tether.bench;

import dev.tether.Interpreter;
import dev.tether.PythonRuntime;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The one {@link PythonRuntime} of a forked benchmark JVM: started before the first iteration, closed after the
 * last. Starting runs CPython's initialization on Tether's own main thread, so the JMH worker thread that runs this
 * setup is left without a thread state.
 */
@State(Scope.Benchmark)
public class PythonState {
    /** The runtime of this JVM. */
    public PythonRuntime runtime;
    /** Its main interpreter. */
    public Interpreter main;

    /** Starts CPython (found through {@code tether.python.library}, the environment, or tether-cpython). */
    @Setup
    public void start() {
        runtime = PythonRuntime.start();
        main = runtime.mainInterpreter();
        // Printed by JMH with the fork's output: the record of which CPython a figure belongs to.
        System.out.println("# Tether: CPython " + runtime.version() + " from " + runtime.location()
                + "; tether-core from " + PythonRuntime.class.getProtectionDomain().getCodeSource().getLocation());
    }

    /** Closes every interpreter and finalizes CPython. */
    @TearDown
    public void close() {
        runtime.close();
    }
}
