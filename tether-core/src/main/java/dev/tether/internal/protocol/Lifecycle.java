package dev.tether.internal.protocol;

import dev.tether.ThreadStateException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * What the protocol and the layers above it need from the runtime that owns an interpreter: the work that must run
 * on CPython's main thread, the list of live interpreters, platform carriers for virtual threads, and the runtime's
 * own close. Implemented by the runtime; reached through {@link InterpreterImpl#lifecycle()}.
 */
public interface Lifecycle {
    /**
     * Interrupts Python code running in {@code interpreter}: the threads {@code idents} attached from Java, and
     * every thread Python started there. Returns the names of the Python-started threads it interrupted.
     */
    List<String> interrupt(InterpreterImpl interpreter, long[] idents);

    /**
     * Ends the interpreter once no Java thread holds it: waits for the threads Python started there (as CPython
     * does), interrupting them once {@code deadline} passed and giving them {@code grace} more, then calls
     * {@code Py_EndInterpreter} (or {@code Py_FinalizeEx} for the main interpreter).
     *
     * @throws ThreadStateException with {@code CLOSE_TIMED_OUT} if Python threads still run
     */
    void end(InterpreterImpl interpreter, long deadline, Duration grace);

    /** The interpreters not closed yet, the main interpreter first. */
    List<InterpreterImpl> interpreters();

    /** The main interpreter. */
    InterpreterImpl mainInterpreter();

    /**
     * Finishes ending a subinterpreter whose end was deferred ({@link DeferredEnd}), on CPython's main thread,
     * asynchronously: the caller may be any thread and must not wait.
     */
    void resumeEnd(InterpreterImpl interpreter);

    /**
     * Runs {@code task} on a platform carrier thread and waits for it: for callers on virtual threads, whose thread
     * states must not move between carriers.
     *
     * @throws ThreadStateException with {@code interpreter}'s refusal once the runtime has no carriers left
     */
    <T> T onCarrier(InterpreterImpl interpreter, Callable<T> task);

    /**
     * Runs {@code task} on a platform carrier thread without waiting for it.
     *
     * @throws java.util.concurrent.RejectedExecutionException once the runtime has no carriers left
     */
    void executeOnCarrier(Runnable task);

    /**
     * Closes the whole runtime (what closing the main interpreter means).
     *
     * @param timeout null to wait as long as the work in flight takes
     */
    void closeRuntime(Duration timeout);
}
