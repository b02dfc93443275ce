package dev.tether.bench;

import dev.tether.internal.capi.CApi;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Per worker thread: a raw thread state of the main interpreter, created once by that thread and kept detached
 * between operations (the floor every cached attach is compared with).
 */
@State(Scope.Thread)
public class RawMainThreadState {
    /** The worker thread's own thread state. */
    public RawThreadState raw;

    /** Creates the thread state on the worker thread (JMH runs thread-scoped trial setup there). */
    @Setup(Level.Trial)
    public void create(PythonState python) {
        RawThreadState.requireNone("the raw floor must own the only thread state of this thread");
        raw = new RawThreadState(python.main, CApi.PyInterpreterState_Main());
    }

    /** Checks that JMH still runs this state on the thread that owns the thread state. */
    @Setup(Level.Iteration)
    public void checkOwner() {
        raw.checkOwner();
    }

    /** Deletes the thread state on its owner, before the runtime closes. */
    @TearDown(Level.Trial)
    public void delete() {
        raw.delete();
    }
}
