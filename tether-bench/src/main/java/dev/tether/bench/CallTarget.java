package dev.tether.bench;

import dev.tether.Interpreter;
import dev.tether.PyObject;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Per worker thread: the main interpreter and a subinterpreter of this thread's own (own GIL on CPython 3.12+), each
 * with {@code f(x) = x + 1} defined, as {@link PyObject}s the thread calls through {@code interpreter.call}.
 */
@State(Scope.Thread)
public class CallTarget {
    /** The main interpreter. */
    public Interpreter main;
    /** This thread's subinterpreter. */
    public Interpreter sub;
    /** {@code f} in the main interpreter. */
    public PyObject mainF;
    /** {@code f} in {@link #sub}. */
    public PyObject subF;

    /** Creates the subinterpreter and defines {@code f} in both. */
    @Setup
    public void create(PythonState python) {
        main = python.main;
        sub = python.runtime.newInterpreter();
        mainF = define(main);
        subF = define(sub);
    }

    private static PyObject define(Interpreter interpreter) {
        return interpreter.call(ts -> {
            ts.exec("def f(x):\n    return x + 1\n");
            return ts.globals().getItem("f");
        });
    }

    /** Drops {@code f} and closes the subinterpreter. */
    @TearDown
    public void close() {
        mainF.close();
        subF.close();
        sub.close();
    }
}
