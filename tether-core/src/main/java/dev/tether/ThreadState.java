package dev.tether;

import dev.tether.internal.bridge.PyRun;
import dev.tether.internal.protocol.Attachment;
import dev.tether.internal.protocol.AttachOutcome;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.Refusal;
import dev.tether.internal.protocol.ThreadStates;
import dev.tether.internal.runtime.RuntimeImpl;
import java.util.Objects;
import java.util.Optional;

/**
 * An attached thread state: the calling thread may run Python in one {@link Interpreter} until it
 * {@linkplain #close() releases} it. The Java counterpart of PEP 788's {@code PyThreadState_Ensure} /
 * {@code PyThreadState_Release}, on every CPython from 3.9.
 *
 * {@snippet :
 * try (ThreadState ts = ThreadState.ensure(interpreter)) {
 *     ts.exec("import math");
 *     double r = (Double) ts.eval("math.sqrt(2)");
 * }
 * }
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
 * <h2 id="thread-safety">Thread confinement</h2>
 * A thread state belongs to the thread that ensured it: using or releasing it from another thread throws
 * {@link ErrorCode#WRONG_THREAD}. Thread states are released in reverse order of ensuring
 * ({@link ErrorCode#RELEASE_OUT_OF_ORDER}), once ({@link ErrorCode#ALREADY_RELEASED}); try-with-resources does both.
 * Virtual threads cannot ensure ({@link ErrorCode#VIRTUAL_THREAD}): a thread state must stay on one OS thread, and
 * a virtual thread can move; {@link Interpreter#call} and {@link Interpreter#run} work from them.
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

    /** The {@code builtins} module. */
    public PyObject builtins() {
        return importModule("builtins");
    }

    /**
     * Converts a Java value to a Python object of this interpreter (see the
     * <a href="PyObject.html#conversions">conversion table</a>).
     *
     * @throws ConversionException if the value has no Python counterpart
     */
    public PyObject toPython(Object value) {
        ThreadStates.checkUsable(attachment, "use");
        return PyObject.of(PyRun.toPython(attachment.interpreter(), value));
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
