package dev.tether.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tether.Interpreter;
import dev.tether.internal.capi.CApi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Per worker thread: a subinterpreter of its own with {@code f(x) = x + 1}, a raw thread state of it kept detached,
 * and {@code f}'s address: the floor of {@link CallTarget}'s per-call path, in raw C-API calls.
 */
@State(Scope.Thread)
public class RawCallTarget {
    Interpreter sub;
    RawThreadState raw;
    MemorySegment f;
    MemorySegment args;
    MemorySegment overflow;
    private Arena arena;

    @Setup(Level.Trial)
    public void create(PythonState python) {
        sub = python.runtime.newInterpreter();
        Addresses.run(sub, ts -> ts.exec("def f(x):\n    return x + 1\n"));
        raw = new RawThreadState(sub, Addresses.of(sub));
        arena = Arena.ofConfined();
        args = arena.allocate(ADDRESS);
        overflow = arena.allocate(JAVA_INT);
        CApi.PyEval_RestoreThread(raw.pointer());
        f = CApi.PyObject_GetAttrString(CApi.PyImport_AddModule(arena.allocateFrom("__main__")),
                arena.allocateFrom("f"));
        CApi.PyEval_SaveThread();
    }

    /** One call: attach, {@code f(41)} with the argument and result converted, detach. */
    long call() {
        CApi.PyEval_RestoreThread(raw.pointer());
        MemorySegment x = CApi.PyLong_FromLongLong(41);
        args.set(ADDRESS, 0, x);
        MemorySegment r = CApi.PyObject_VectorcallDict(f, args, 1, MemorySegment.NULL);
        long value = CApi.PyLong_AsLongLongAndOverflow(r, overflow);
        CApi.Py_DecRef(x);
        CApi.Py_DecRef(r);
        CApi.PyEval_SaveThread();
        return value;
    }

    @TearDown(Level.Trial)
    public void close() {
        CApi.PyEval_RestoreThread(raw.pointer());
        CApi.Py_DecRef(f);
        CApi.PyEval_SaveThread();
        raw.delete();
        arena.close();
        sub.close();
    }
}
