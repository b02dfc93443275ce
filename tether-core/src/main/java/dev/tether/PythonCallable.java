package dev.tether;

import java.util.List;
import java.util.Map;

/**
 * Java code that Python can call: converting an instance to Python (passing it as an argument, or
 * {@link ThreadState#toPython}) gives a Python callable. Positional arguments arrive converted as by
 * {@link PyObject#toJava()}, keyword arguments by name; the result is converted back to Python.
 *
 * {@snippet class=dev.tether.snippets.ApiSnippets region=callable}
 *
 * <h2 id="rules">Callback rules</h2>
 * <ul>
 *   <li>It runs on the thread that runs the Python code, with that thread's thread state attached: a Java thread
 *       that called into Python, or a thread Python started (its own thread state is used).
 *       {@link ThreadState#ensure} for the same interpreter reuses it; for another interpreter it switches and, on
 *       release, switches back.</li>
 *   <li>A Java exception it throws becomes a Python exception named after the Java class (and deriving from the
 *       nearest builtin, e.g. {@code ValueError} for {@link IllegalArgumentException}); if that exception comes back
 *       to Java, the {@link PythonException} has the original Java exception as its cause.</li>
 *   <li>To block (wait for I/O, a lock, a queue), detach first with {@link ThreadState#detached}, so other threads
 *       can run Python meanwhile.</li>
 *   <li>Thread states it ensures must be released before it returns (Tether releases leftovers and warns).</li>
 * </ul>
 * The common functional interfaces ({@link java.util.function.Function}, {@link java.util.function.BiFunction},
 * {@link java.util.function.Supplier}, {@link java.util.function.Consumer}, {@link Runnable},
 * {@link java.util.concurrent.Callable}, {@link java.util.function.Predicate}...) convert to Python callables too,
 * taking exactly their number of positional arguments.
 */
@FunctionalInterface
public interface PythonCallable {

    /**
     * Handles a call from Python.
     *
     * @param args   the positional arguments, converted (unmodifiable; may contain nulls for None)
     * @param kwargs the keyword arguments, converted (unmodifiable, empty if none)
     * @return the result, converted to Python (null becomes None)
     * @throws Exception raised in Python as described in <a href="#rules">Callback rules</a>
     */
    Object call(List<Object> args, Map<String, Object> kwargs) throws Exception;
}
