package dev.tether;

import dev.tether.internal.bridge.NumpyArrays;
import dev.tether.internal.bridge.JavaObjects;
import dev.tether.internal.bridge.PyRun;
import dev.tether.internal.protocol.Attachment;
import dev.tether.internal.protocol.AttachOutcome;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.Refusal;
import dev.tether.internal.protocol.ThreadStates;
import dev.tether.internal.runtime.RuntimeImpl;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An attached thread state: the calling thread may run Python in one {@link Interpreter} until it
 * {@linkplain #close() releases} it. The Java counterpart of PEP 788's {@code PyThreadState_Ensure} /
 * {@code PyThreadState_Release}, on every CPython from 3.9.
 *
 * {@snippet class=dev.tether.snippets.ApiSnippets region=ensure}
 *
 * <h2 id="ensure">Ensuring</h2>
 * {@link #ensure(Interpreter)} attaches the calling thread, or throws a {@link ThreadStateException} and leaves the
 * thread as it was: it never crashes, hangs or ends the thread, even while the interpreter is being closed.
 * {@link #tryEnsure(Interpreter)} reports a refusal as a value instead.
 * <ul>
 *   <li><b>Nesting</b>: ensuring the interpreter the thread is already attached to reuses the attached thread
 *       state.</li>
 *   <li><b>Switching</b>: ensuring interpreter B while attached to A detaches A and attaches B; releasing the B
 *       thread state re-attaches A.</li>
 *   <li><b>Threads Python started</b>: a thread that CPython already attached (a Python thread calling into Java)
 *       reuses its own thread state.</li>
 *   <li><b>Reuse</b>: a platform thread keeps an idle thread state per interpreter it used, main or sub, between
 *       attachments (deleted when the thread ends, or when a subinterpreter ends), so a steady ensure/release cycle
 *       costs about as much as CPython's cheapest re-attach, on a subinterpreter as on the main interpreter (see
 *       <a href="Interpreter.html#lifecycle">Interpreter, lifecycle</a> for what that means for a
 *       subinterpreter's end).</li>
 * </ul>
 *
 * <h2 id="lifecycle">Lifecycle</h2>
 * Attached from {@link #ensure} until {@link #close()}, which releases it ({@link #isReleased()}). An interpreter
 * cannot end while a thread state of it is attached: its close waits (see {@link Interpreter#close()}).
 *
 * <h2 id="thread-safety">Thread safety</h2>
 * A thread state belongs to the thread that ensured it: using or releasing it from another thread throws
 * {@link ErrorCode#WRONG_THREAD}. Thread states are released in reverse order of ensuring
 * ({@link ErrorCode#RELEASE_OUT_OF_ORDER}), once ({@link ErrorCode#ALREADY_RELEASED}); try-with-resources does both.
 * Virtual threads cannot ensure ({@link ErrorCode#VIRTUAL_THREAD}): a thread state must stay on one OS thread, and
 * a virtual thread can move; {@link Interpreter#call} and {@link Interpreter#run} work from them.
 *
 * <h2 id="errors">Errors</h2>
 * Refusals throw {@link ThreadStateException} with an {@link ErrorCode} and change nothing on the thread; Python
 * code that raises throws {@link PythonException}, with no Python error left set; values that do not convert throw
 * {@link ConversionException}.
 *
 * <h2 id="blocking">Blocking</h2>
 * While attached, a thread holds its interpreter's GIL whenever it is not running Python that released it. Do not
 * block in Java while attached: release first (on free-threaded builds an attached blocked thread stalls the
 * collector's stop-the-world pauses).
 */
public final class ThreadState implements AutoCloseable, Attachment.Handle {
    private final Attachment attachment;
    private final Interpreter interpreter;

    private ThreadState(Attachment attachment, Interpreter interpreter) {
        this.attachment = attachment;
        this.interpreter = interpreter;
        attachment.handle(this);
    }

    /**
     * Attaches the calling thread to {@code interpreter}.
     *
     * @throws ThreadStateException {@link ErrorCode#INTERPRETER_FINALIZING}, {@link ErrorCode#INTERPRETER_CLOSED},
     *                              {@link ErrorCode#OUT_OF_MEMORY} or {@link ErrorCode#VIRTUAL_THREAD}; the thread is
     *                              left as it was
     */
    public static ThreadState ensure(Interpreter interpreter) {
        Objects.requireNonNull(interpreter, "interpreter");
        return attached(interpreter, ThreadStates.ensure(interpreter.impl, null));
    }

    /**
     * Attaches the calling thread to the interpreter {@code guard} holds. Admitted even if the interpreter started
     * closing after the guard was taken: the open guard keeps it from being finalized.
     *
     * @throws ThreadStateException {@link ErrorCode#ALREADY_RELEASED} if the guard was closed, or as
     *                              {@link #ensure(Interpreter)}
     */
    public static ThreadState ensure(InterpreterGuard guard) {
        Objects.requireNonNull(guard, "guard");
        if (!guard.isOpen()) {
            throw Failures.guardReleased(guard.interpreter().impl);
        }
        return attached(guard.interpreter(), ThreadStates.ensure(guard.interpreter().impl, guard.impl));
    }

    /**
     * Attaches the calling thread to {@code interpreter}, or says why not, without throwing for a refusal.
     *
     * @return {@link Ensured.Attached} with the thread state, or {@link Ensured.Refused} with the reason
     */
    public static Ensured tryEnsure(Interpreter interpreter) {
        Objects.requireNonNull(interpreter, "interpreter");
        return switch (ThreadStates.ensure(interpreter.impl, null)) {
            case Attachment attachment -> new Ensured.Attached(new ThreadState(attachment, interpreter));
            case Refusal(ErrorCode code, String message) -> new Ensured.Refused(code, message);
        };
    }

    /**
     * The innermost thread state the calling thread ensured and has not released yet (inside a
     * {@link PythonCallable}, the one Tether opened for the call).
     */
    public static Optional<ThreadState> current() {
        Attachment top = ThreadStates.current();
        if (top == null) {
            return Optional.empty();
        }
        return Optional.of(top.handle() instanceof ThreadState ts ? ts
                : new ThreadState(top, Interpreter.of(top.interpreter())));
    }

    /**
     * Whether a thread state is attached to the calling thread, whether Tether or CPython attached it (the Java
     * counterpart of {@code PyGILState_Check}).
     */
    public static boolean isAttached() {
        RuntimeImpl runtime = RuntimeImpl.current();
        return ThreadStates.isAttached(runtime == null || runtime.state() == RuntimeImpl.State.CLOSED
                ? null : runtime.facts());
    }

    /** Whether a thread state of {@code interpreter} is the one attached to the calling thread. */
    public static boolean isAttached(Interpreter interpreter) {
        Objects.requireNonNull(interpreter, "interpreter");
        return ThreadStates.isAttached(interpreter.impl);
    }

    /** The protocol's frame behind this thread state (for {@link Interpreter}'s timed calls). */
    Attachment attachment() {
        return attachment;
    }

    /** The interpreter this thread state belongs to. */
    public Interpreter interpreter() {
        return interpreter;
    }

    /** Whether this thread state was released. */
    public boolean isReleased() {
        return attachment.isReleased();
    }

    /**
     * Runs Python statements in the interpreter's {@code __main__} namespace.
     *
     * @throws PythonException      if the code raises (including {@code SystemExit}, which never exits the JVM)
     * @throws ThreadStateException if this thread state is not usable here ({@link ErrorCode#WRONG_THREAD},
     *                              {@link ErrorCode#ALREADY_RELEASED}, {@link ErrorCode#NOT_CURRENT})
     */
    public void exec(String code) {
        Objects.requireNonNull(code, "code");
        ThreadStates.checkUsable(attachment, "use");
        PyRun.exec(attachment.interpreter(), code, null);
    }

    /** Runs Python statements with {@code namespace} (a dict) as globals and locals. */
    public void exec(String code, PyObject namespace) {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(namespace, "namespace");
        ThreadStates.checkUsable(attachment, "use");
        PyRun.exec(attachment.interpreter(), code, namespace.ref());
    }

    /**
     * Evaluates a Python expression in the interpreter's {@code __main__} namespace and converts the result as
     * {@link PyObject#toJava()} does: {@code None}, {@code bool}, {@code int}, {@code float}, {@code str} become
     * {@code null}, {@link Boolean}, {@link Long} (or {@link java.math.BigInteger} beyond 64 bits), {@link Double},
     * {@link String}; containers become Java collections; other objects a {@link PyObject}.
     *
     * @throws PythonException      if the expression raises
     * @throws ThreadStateException as {@link #exec}
     */
    public Object eval(String expression) {
        Objects.requireNonNull(expression, "expression");
        ThreadStates.checkUsable(attachment, "use");
        return PyRun.eval(attachment.interpreter(), expression, null);
    }

    /** Evaluates an expression with {@code namespace} (a dict) as globals, converting the result. */
    public Object eval(String expression, PyObject namespace) {
        Objects.requireNonNull(expression, "expression");
        Objects.requireNonNull(namespace, "namespace");
        ThreadStates.checkUsable(attachment, "use");
        return PyRun.eval(attachment.interpreter(), expression, namespace.ref());
    }

    /** Evaluates an expression in {@code __main__} and returns the result object itself. */
    public PyObject evalObject(String expression) {
        Objects.requireNonNull(expression, "expression");
        ThreadStates.checkUsable(attachment, "use");
        return PyObject.of(PyRun.evalObject(attachment.interpreter(), expression, null));
    }

    /** Evaluates an expression with {@code namespace} (a dict) as globals and returns the result object. */
    public PyObject evalObject(String expression, PyObject namespace) {
        Objects.requireNonNull(expression, "expression");
        Objects.requireNonNull(namespace, "namespace");
        ThreadStates.checkUsable(attachment, "use");
        return PyObject.of(PyRun.evalObject(attachment.interpreter(), expression, namespace.ref()));
    }

    /** {@code import name}: the module. */
    public PyObject importModule(String name) {
        Objects.requireNonNull(name, "name");
        ThreadStates.checkUsable(attachment, "use");
        return PyObject.of(PyRun.importModule(attachment.interpreter(), name));
    }

    /** The interpreter's {@code __main__} namespace (the dict {@link #exec(String)} runs in). */
    public PyObject globals() {
        ThreadStates.checkUsable(attachment, "use");
        return PyObject.of(PyRun.globals(attachment.interpreter()));
    }

    /**
     * Runs a Python script file as {@code __main__}, as {@code python script args...} would: {@code sys.argv} is
     * {@code [script, args...]} and the script's folder is first on {@code sys.path} for the run; both, and
     * {@code sys.stdout}/{@code sys.stderr} (should the script replace them), are as before afterwards. The
     * interpreter's own {@code __main__} namespace is left alone (the script runs in a fresh one). Threads the
     * script started keep running; its {@code atexit} handlers run when the interpreter closes.
     *
     * @return the exit status: 0 when the script ends normally, else its {@code SystemExit} code (a non-int code is
     *         printed to {@code sys.stderr} and gives 1, as Python does)
     * @throws PythonException      if the script raises anything but {@code SystemExit}
     * @throws ThreadStateException as {@link #exec}
     */
    public int runScript(Path script, String... args) {
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(args, "args");
        ThreadStates.checkUsable(attachment, "use");
        return PyRun.runMain(attachment.interpreter(), false, script.toString(), List.of(args));
    }

    /**
     * Runs a module as {@code __main__}, as {@code python -m module args...} would ({@code runpy}; a package runs
     * its {@code __main__} submodule): {@code sys.argv} is {@code [the module's file, args...]} for the run and as
     * before afterwards, and so are {@code sys.stdout}/{@code sys.stderr}. Unlike {@code python -m}, the current
     * folder is not put on {@code sys.path}.
     *
     * @return the exit status, as {@link #runScript}
     * @throws PythonException      if the module cannot be found, or raises anything but {@code SystemExit}
     * @throws ThreadStateException as {@link #exec}
     */
    public int runModule(String module, String... args) {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(args, "args");
        ThreadStates.checkUsable(attachment, "use");
        return PyRun.runMain(attachment.interpreter(), true, module, List.of(args));
    }

    /** The {@code builtins} module. */
    public PyObject builtins() {
        return importModule("builtins");
    }

    /**
     * Converts a Java value to a Python object of this interpreter (see the
     * <a href="PyObject.html#conversions">conversion table</a>). Any other Java object becomes a proxy if the
     * runtime's {@link HostAccess} policy admits objects: the same proxy for the same object while Python holds
     * it, reaching only the members the policy allows.
     *
     * @throws ConversionException if the value has no Python counterpart and the policy is {@link HostAccess#NONE}
     */
    public PyObject toPython(Object value) {
        ThreadStates.checkUsable(attachment, "use");
        return PyObject.of(PyRun.toPython(attachment.interpreter(), value));
    }

    /**
     * A numpy array over Java memory, without copying: the array's data is {@code segment}'s memory, so writes on
     * either side are seen on the other, and {@code arr.__array_interface__['data'][0]} is
     * {@code segment.address()}. The memory is pinned while Python holds the array or any view of it: Tether keeps
     * {@code segment} strongly reachable until then (the memory of an {@link java.lang.foreign.Arena#ofAuto()} arena
     * is not freed meanwhile). A heap segment cannot be pinned and is copied once into off-heap memory that lives
     * as long as the array (then writes are not shared). numpy must be importable (see {@code tether-numpy}).
     *
     * {@snippet class=dev.tether.snippets.ApiSnippets region=toNumpy}
     *
     * @param segment the memory; read-only segments give read-only arrays. Do not close its arena while Python
     *                holds the array: numpy reads the memory directly, and Tether cannot intercept that
     * @param layout  the element type ({@link java.lang.foreign.ValueLayout#JAVA_DOUBLE}, {@code JAVA_LONG},
     *                {@code JAVA_INT}, {@code JAVA_FLOAT}, {@code JAVA_SHORT}, {@code JAVA_CHAR}, {@code JAVA_BYTE},
     *                {@code JAVA_BOOLEAN}), in its byte order
     * @param shape   the array's shape in C order; none for one dimension spanning the segment
     * @throws ConversionException if the segment's arena is closed, the shape does not match its size, or the layout
     *                             is not numeric
     * @throws PythonException     if numpy cannot be imported
     */
    public PyObject toNumpy(java.lang.foreign.MemorySegment segment, java.lang.foreign.ValueLayout layout,
                            long... shape) {
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(shape, "shape");
        ThreadStates.checkUsable(attachment, "use");
        return PyObject.of(NumpyArrays.toNumpy(attachment.interpreter(), segment, layout, shape));
    }

    /**
     * A numpy {@code float64} array of a copy of {@code array}: copied once into off-heap memory that lives as long
     * as the array (a Java array cannot be pinned). For no copy at all, use an off-heap segment with
     * {@link #toNumpy(java.lang.foreign.MemorySegment, java.lang.foreign.ValueLayout, long...)}.
     *
     * @param shape the shape; none for one dimension
     */
    public PyObject toNumpy(double[] array, long... shape) {
        return toNumpy(java.lang.foreign.MemorySegment.ofArray(array), java.lang.foreign.ValueLayout.JAVA_DOUBLE,
                shape);
    }

    /** A numpy {@code float32} array of a copy of {@code array} (see {@link #toNumpy(double[], long...)}). */
    public PyObject toNumpy(float[] array, long... shape) {
        return toNumpy(java.lang.foreign.MemorySegment.ofArray(array), java.lang.foreign.ValueLayout.JAVA_FLOAT,
                shape);
    }

    /** A numpy {@code int64} array of a copy of {@code array} (see {@link #toNumpy(double[], long...)}). */
    public PyObject toNumpy(long[] array, long... shape) {
        return toNumpy(java.lang.foreign.MemorySegment.ofArray(array), java.lang.foreign.ValueLayout.JAVA_LONG,
                shape);
    }

    /** A numpy {@code int32} array of a copy of {@code array} (see {@link #toNumpy(double[], long...)}). */
    public PyObject toNumpy(int[] array, long... shape) {
        return toNumpy(java.lang.foreign.MemorySegment.ofArray(array), java.lang.foreign.ValueLayout.JAVA_INT,
                shape);
    }

    /** A numpy {@code int8} array of a copy of {@code array} (see {@link #toNumpy(double[], long...)}). */
    public PyObject toNumpy(byte[] array, long... shape) {
        return toNumpy(java.lang.foreign.MemorySegment.ofArray(array), java.lang.foreign.ValueLayout.JAVA_BYTE,
                shape);
    }

    /**
     * A live view of a Java collection, or a buffer over Java memory, in this interpreter: no copy of the
     * collection is made, and changes on either side are seen by the other. The same Python object is returned for
     * the same Java object while Python holds it. Views are explicit grants: they work under every
     * {@link HostAccess} policy and expose only the collection or buffer protocol.
     * <ul>
     *   <li>{@code List}: a {@code collections.abc.MutableSequence} ({@code len}, indexing and slices,
     *       {@code append}, {@code insert}, {@code del}...); {@code Map}: a {@code MutableMapping};
     *       {@code Set}: a {@code MutableSet}; other {@code Collection}: a {@code Collection};
     *       {@code Iterable}, {@code Iterator}: an iterable, an iterator. Elements convert by the
     *       <a href="PyObject.html#conversions">conversion table</a>, collections in them as views.</li>
     *   <li>A native {@code MemorySegment}: an object supporting the buffer protocol ({@code memoryview(x)},
     *       {@code numpy.frombuffer(x, dtype)}) over the same memory, unsigned bytes; read-only if the segment is.
     *       New buffers fail with {@code BufferError} once the segment's arena is closed; close it only after
     *       Python released the buffers it took.</li>
     *   <li>A primitive array ({@code int[]}, {@code double[]}...): the same, in the array's element format; the
     *       collector moves heap arrays, so the array is copied once into native memory, and Python's writes are
     *       copied back after the last buffer taken from it is released.</li>
     * </ul>
     *
     * @throws ConversionException if {@code value} is none of these
     * @see #view(Object, boolean)
     */
    public PyObject view(Object value) {
        return view(value, false);
    }

    /**
     * A live view as {@link #view(Object)}; if {@code readOnly}, Python cannot change the collection through it
     * (a {@code TypeError}) or write into the buffer (a {@code BufferError} for writable requests, a read-only
     * {@code memoryview}).
     */
    public PyObject view(Object value, boolean readOnly) {
        Objects.requireNonNull(value, "value");
        ThreadStates.checkUsable(attachment, "use");
        return PyObject.of(JavaObjects.view(attachment.interpreter(), value, readOnly));
    }

    /**
     * Runs blocking Java code with this thread state detached, so that other threads can run Python meanwhile (and,
     * on free-threaded builds, the collector is not stalled); re-attaches afterwards. The thread keeps its hold on
     * the interpreter, so the interpreter cannot end meanwhile. {@code work} may ensure thread states of its own but
     * must release them.
     *
     * @throws ThreadStateException as {@link #exec}, or {@link ErrorCode#RELEASE_OUT_OF_ORDER} if {@code work} left
     *                              a thread state open (it was released)
     */
    public <T> T detached(java.util.function.Supplier<? extends T> work) {
        Objects.requireNonNull(work, "work");
        Object token = ThreadStates.detach(attachment);
        try {
            return work.get();
        } finally {
            ThreadStates.reattach(attachment, token);
        }
    }

    /** Like {@link #detached(java.util.function.Supplier)} for work without a result. */
    public void detached(Runnable work) {
        Objects.requireNonNull(work, "work");
        detached(() -> {
            work.run();
            return null;
        });
    }

    /**
     * Releases this thread state: detaches it (or switches back to the thread state that was attached before it).
     *
     * @throws ThreadStateException {@link ErrorCode#WRONG_THREAD}, {@link ErrorCode#ALREADY_RELEASED} or
     *                              {@link ErrorCode#RELEASE_OUT_OF_ORDER}; nothing is released then
     */
    @Override
    public void close() {
        ThreadStates.release(attachment);
    }

    /**
     * Releases this thread state and, first, any the calling code ensured after it and left open: for Tether's own
     * workers, which must go on clean whatever a task left behind. Returns how many were left open.
     */
    int releaseThrough() {
        return ThreadStates.releaseThrough(attachment);
    }

    @Override
    public String toString() {
        return "ThreadState[" + interpreter + ", thread '" + attachment.owner().getName() + "'"
                + (isReleased() ? ", released" : "") + "]";
    }

    private static ThreadState attached(Interpreter interpreter, AttachOutcome outcome) {
        return switch (outcome) {
            case Attachment attachment -> new ThreadState(attachment, interpreter);
            case Refusal refusal -> throw refusal.exception();
        };
    }
}
