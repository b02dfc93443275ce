package dev.tether.bench;

import dev.tether.Interpreter;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** Per worker thread: a subinterpreter of its own (own GIL on CPython 3.12+, the shared GIL before). */
@State(Scope.Thread)
public class OwnSubinterpreterState {
    /** This thread's subinterpreter. */
    public Interpreter sub;

    /** Creates the subinterpreter. */
    @Setup
    public void create(PythonState python) {
        sub = python.runtime.newInterpreter();
    }

    /** Closes it; this thread has released it. */
    @TearDown
    public void close() {
        sub.close();
    }
}
