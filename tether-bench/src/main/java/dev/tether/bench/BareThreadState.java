package dev.tether.bench;

import dev.tether.internal.capi.CApi;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Per worker thread: a thread without any CPython thread state (Tether never attached it), checked before every
 * iteration, so {@code PyGILState_Ensure} must create and delete one on every operation.
 */
@State(Scope.Thread)
public class BareThreadState {
    /** {@code PyInterpreterState_Main()}, read once. */
    public MemorySegment mainInterpreter;

    /** Reads the main interpreter's address; checks the thread is bare. */
    @Setup(Level.Trial)
    public void setUp(PythonState python) {
        mainInterpreter = CApi.PyInterpreterState_Main();
        check();
    }

    /** Fails if the worker thread has acquired a thread state (the measurement would be of a cached path). */
    @Setup(Level.Iteration)
    public void check() {
        RawThreadState.requireNone("this baseline needs a thread without one");
    }
}
