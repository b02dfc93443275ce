package dev.tether.bench;

import dev.tether.Interpreter;
import dev.tether.InterpreterGuard;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Per worker thread: a subinterpreter of its own, its {@code PyInterpreterState *} for raw calls, and a guard that
 * keeps it (and so the address) alive until teardown. The thread keeps no thread state of it between operations.
 */
@State(Scope.Thread)
public class RawSubinterpreterState {
    /** This thread's subinterpreter. */
    public Interpreter sub;
    /** Its {@code PyInterpreterState *}. */
    public MemorySegment pointer;
    private InterpreterGuard guard;

    /**
     * Creates the subinterpreter and reads its address through Tether on another thread (one that attaches keeps an
     * idle thread state there).
     */
    @Setup(Level.Trial)
    public void create(PythonState python) {
        sub = python.runtime.newInterpreter();
        guard = sub.guard();
        pointer = Addresses.of(sub);
        check();
    }

    /** Fails if the worker thread has a thread state: each operation must create and delete its own. */
    @Setup(Level.Iteration)
    public void check() {
        RawThreadState.requireNone("raw new/delete needs a thread without one");
    }

    /** Releases the guard and closes the subinterpreter. */
    @TearDown(Level.Trial)
    public void close() {
        guard.close();
        sub.close();
    }
}
