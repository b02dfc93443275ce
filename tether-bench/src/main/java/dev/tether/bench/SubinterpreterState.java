package dev.tether.bench;

import dev.tether.Interpreter;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** One subinterpreter shared by the benchmark's threads (own GIL on CPython 3.12+). */
@State(Scope.Benchmark)
public class SubinterpreterState {
    /** The subinterpreter. */
    public Interpreter sub;

    /** Creates the subinterpreter. */
    @Setup
    public void create(PythonState python) {
        sub = python.runtime.newInterpreter();
    }

    /** Closes it (every benchmark thread has released it by now). */
    @TearDown
    public void close() {
        sub.close();
    }
}
