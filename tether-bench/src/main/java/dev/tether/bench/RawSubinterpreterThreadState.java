package dev.tether.bench;

import dev.tether.Interpreter;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Per worker thread: a subinterpreter of its own and a raw thread state of it that the thread keeps detached
 * between operations: the floor of Tether's cached attach on {@link OwnSubinterpreterState}. The raw thread state's guard keeps the subinterpreter, and so
 * its address, alive until the thread state is deleted.
 */
@State(Scope.Thread)
public class RawSubinterpreterThreadState {
    /** This thread's subinterpreter. */
    public Interpreter sub;
    /** This thread's raw thread state of {@link #sub}. */
    public RawThreadState raw;

    /**
     * Creates the subinterpreter, reads its {@code PyInterpreterState *} through Tether on another thread (this one
     * must keep no thread state of Tether's there), then creates the raw thread state.
     */
    @Setup(Level.Trial)
    public void create(PythonState python) {
        sub = python.runtime.newInterpreter();
        MemorySegment pointer = Addresses.of(sub);
        raw = new RawThreadState(sub, pointer);
    }

    /** Checks that JMH still runs this state on the thread that owns the thread state. */
    @Setup(Level.Iteration)
    public void checkOwner() {
        raw.checkOwner();
    }

    /** Deletes the raw thread state on its owner, then closes the subinterpreter. */
    @TearDown(Level.Trial)
    public void close() {
        raw.delete();
        sub.close();
    }
}
