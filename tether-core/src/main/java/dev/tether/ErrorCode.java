package dev.tether;

/**
 * Why an operation failed. Every exception Tether throws carries one: {@link ThreadStateException#code()},
 * {@link ConversionException#code()}, {@link PythonException#code()}; {@link Ensured.Refused} reports one without
 * throwing.
 *
 * <p>The first group mirrors the failures PEP 788's {@code PyThreadState_Ensure} reports in CPython 3.15; then come
 * misuses that CPython itself cannot detect (and would answer with a crash or a hang), failures to start a runtime,
 * and the codes of conversion failures and Python exceptions.
 */
public enum ErrorCode {
    /** No {@link PythonRuntime} has been started in this process. */
    RUNTIME_NOT_STARTED,
    /**
     * The interpreter is closing: new attachments and guards are refused while work already in flight finishes.
     * Retrying will not help; the interpreter is about to be {@link #INTERPRETER_CLOSED closed}.
     */
    INTERPRETER_FINALIZING,
    /** The interpreter has been closed (or the runtime that owned it has). The handle stays valid but unusable. */
    INTERPRETER_CLOSED,
    /** CPython could not allocate a thread state. */
    OUT_OF_MEMORY,
    /** A thread state, guard-bound attachment or object was used from a thread other than the one that owns it. */
    WRONG_THREAD,
    /** A thread state was released while an attachment made after it on the same thread is still open. */
    RELEASE_OUT_OF_ORDER,
    /** A thread state or guard was released a second time. */
    ALREADY_RELEASED,
    /** An interpreter (or the runtime) was closed from a thread that is attached to it or holds it. */
    CLOSE_WHILE_ATTACHED,
    /**
     * {@link ThreadState#ensure} was called on a virtual thread. A thread state belongs to one OS thread and a virtual
     * thread can move between carriers, so use {@link Interpreter#call} or {@link Interpreter#run} instead, which
     * run the work on a platform thread.
     */
    VIRTUAL_THREAD,
    /**
     * A thread state was used while another attachment is the current one on its thread (for example, after
     * switching to another interpreter). Release the newer attachment first, or use the current thread state.
     */
    NOT_CURRENT,
    /**
     * A close did not finish within its deadline, even after interrupting the Python code still running in the
     * interpreter. The interpreter stays {@link Interpreter.State#CLOSING closing}; the message names the threads
     * that still hold it. Closing again waits again.
     */
    CLOSE_TIMED_OUT,
    /**
     * A call with a timeout ({@link Interpreter#call(java.time.Duration, java.util.function.Function)}) ran past its
     * deadline: its Python code was interrupted (see <a href="Interpreter.html#interrupting">Interrupting</a>), and
     * the {@link PythonException} it raised is the cause.
     */
    CALL_TIMED_OUT,
    /** A Python object was used with a thread state of a different interpreter than the one that owns it. */
    WRONG_INTERPRETER,
    /**
     * A runtime was started while one is running, or after one was closed: CPython cannot be initialized twice in
     * a process. Use {@link PythonRuntime#current()}, and subinterpreters for work that comes and goes.
     */
    RUNTIME_ALREADY_STARTED,
    /** No CPython was named or found; the message lists every place that was tried. */
    NO_PYTHON_FOUND,
    /**
     * The CPython that was named or found cannot be used: the library does not load or lacks the C API, it is not
     * CPython 3.9 to 3.15, its home has no standard library, or its initialization failed. The message says which.
     */
    PYTHON_UNUSABLE,
    /**
     * A setting of {@link PythonRuntime.Builder} or an {@link InterpreterConfig} is invalid, conflicts with another
     * setting, or is not supported by the running CPython version; the message names the settings involved.
     */
    INVALID_CONFIGURATION,
    /** A value could not be converted between Java and Python ({@link ConversionException}). */
    CONVERSION_FAILED,
    /** Python code raised an exception that reached Java ({@link PythonException}). */
    PYTHON_EXCEPTION
}
