package dev.tether;

import dev.tether.internal.protocol.Closer;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.GuardImpl;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.Interrupts;
import dev.tether.internal.protocol.Slot;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A handle to one CPython interpreter: the main interpreter or a subinterpreter. It never dangles: it stays valid
 * after the interpreter is gone, and every use is then refused with {@link ErrorCode#INTERPRETER_CLOSED}.
 *
 * <h2 id="lifecycle">Lifecycle</h2>
 * <table class="striped">
 *   <caption>States of an interpreter</caption>
 *   <thead><tr><th>State</th><th>New attachments and guards</th><th>Work in flight</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@link State#RUNNING}</td><td>admitted</td><td>runs</td></tr>
 *     <tr><td>{@link State#CLOSING}</td><td>refused: {@link ErrorCode#INTERPRETER_FINALIZING}</td>
 *         <td>finishes; nested attachments of threads already attached are still admitted</td></tr>
 *     <tr><td>{@link State#CLOSED}</td><td>refused: {@link ErrorCode#INTERPRETER_CLOSED}</td><td>none</td></tr>
 *   </tbody>
 * </table>
 * Transitions, in order and never back:
 * <ol>
 *   <li>RUNNING to CLOSING: the first {@link #close()} (or the runtime's close).</li>
 *   <li>CLOSING to CLOSED: once no Java thread is attached, no guard is open, and the threads Python started in the
 *       interpreter have ended, CPython ends the interpreter ({@code Py_EndInterpreter}, or {@code Py_FinalizeEx}
 *       for the main one).</li>
 * </ol>
 * Threads keep idle thread states in the interpreters they used. On CPython 3.12+, if a thread released a
 * subinterpreter and has attached nothing since, CPython's own end of it (module teardown, freeing its memory) is
 * deferred until that thread attaches anything else or terminates, or the runtime closes: the interpreter is CLOSED
 * for every use all the same, and its {@code atexit} functions have run when {@link #close()} returns. A thread
 * closing an interpreter it used, and Tether's own threads, never delay that end (docs/guide.md, "Idle thread
 * states and the end").
 *
 * <h2 id="thread-safety">Thread safety</h2>
 * All methods may be called from any thread. {@link #call} and {@link #run} work from virtual threads too.
 *
 * <h2 id="interrupting">Interrupting and timeouts</h2>
 * {@link Thread#interrupt()} of a thread that runs Python through Tether (in {@link #call}, {@link #run}, or between
 * {@link ThreadState#ensure} and {@code close()}) raises {@code tether.Interrupted}, a {@code KeyboardInterrupt}, in
 * that Python code at its next bytecode, within a few milliseconds; it reaches Java as a {@link PythonException}
 * whose {@link PythonException#isInterrupted()} is true. The thread's interrupt status stays set, so each later
 * call is interrupted too until it is cleared ({@link Thread#interrupted()}), as Java's blocking methods do.
 * <ul>
 *   <li>A blocking call returns first: {@code time.sleep}, waits on {@code threading} locks, events, conditions and
 *       queues, socket and file reads return when they would have, then the exception is raised. CPython re-checks
 *       only signals after an interrupted system call, and signals are handled only on its main thread, which is
 *       Tether's own.</li>
 *   <li>An interrupt is aimed at the call running when it arrives: one that arrives after that call returned never
 *       hits a later call of the same thread. Code that catches it can go on: it is delivered once per outermost
 *       attachment.</li>
 *   <li>A virtual thread waiting in {@link #call} or {@link #run} passes its interrupt on to the platform carrier
 *       that runs its work.</li>
 * </ul>
 * {@link #call(Duration, Function)} and {@link #run(Duration, Consumer)} interrupt their work the same way once the
 * timeout passes, and then fail with {@link ErrorCode#CALL_TIMED_OUT}.
 *
 * <h2 id="errors">Errors</h2>
 * Attaching to a closing or closed interpreter is refused with {@link ErrorCode#INTERPRETER_FINALIZING} or
 * {@link ErrorCode#INTERPRETER_CLOSED} (a {@link ThreadStateException}); {@link #call} and {@link #run} let the
 * exceptions of the work through ({@link #call(Duration, Function)} fails with {@link ErrorCode#CALL_TIMED_OUT}
 * past its timeout); a close that cannot finish in time throws {@link ErrorCode#CLOSE_TIMED_OUT}.
 *
 * <h2 id="gil">Locks</h2>
 * On 3.12+ a subinterpreter is isolated and has its own GIL ({@link #hasOwnGil()}), so threads attached to
 * different interpreters run Python in parallel, unless it was made with {@link InterpreterConfig#legacy()} (or
 * {@code ownGil(false)}); on 3.9-3.11 subinterpreters share the main interpreter's GIL.
 */
public final class Interpreter implements AutoCloseable {

    /** The state of an interpreter; see <a href="#lifecycle">Lifecycle</a>. */
    public enum State {
        /** New attachments are admitted. */
        RUNNING,
        /** Closing: new attachments are refused while work in flight finishes. */
        CLOSING,
        /** Ended in CPython; the handle stays valid but every use is refused. */
        CLOSED
    }

    final InterpreterImpl impl;

    private Interpreter(InterpreterImpl impl) {
        this.impl = impl;
    }

    /** Where each interpreter keeps its one public handle. */
    private static final Slot<Interpreter> HANDLE = Slot.of(Interpreter.class, "public handle");

    /** The one handle of {@code impl}. */
    static Interpreter of(InterpreterImpl impl) {
        return impl.getOrCreate(HANDLE, () -> new Interpreter(impl));
    }

    /** CPython's ID of the interpreter: 0 for the main interpreter. */
    public long id() {
        return impl.id();
    }

    /** Whether this is the main interpreter. */
    public boolean isMain() {
        return impl.isMain();
    }

    /** Whether this interpreter has its own GIL (subinterpreters on 3.12+, and the main interpreter). */
    public boolean hasOwnGil() {
        return impl.hasOwnGil();
    }

    /** The current state; it only moves forward. */
    public State state() {
        return impl.gate().isOpen() ? State.RUNNING : impl.gate().isClosing() ? State.CLOSING : State.CLOSED;
    }

    /**
     * Takes a guard that keeps this interpreter from being finalized until it is closed.
     *
     * @throws ThreadStateException {@link ErrorCode#INTERPRETER_FINALIZING} or {@link ErrorCode#INTERPRETER_CLOSED}
     */
    public InterpreterGuard guard() {
        return tryGuard().orElseThrow(() -> Failures.notOpen(impl).exception());
    }

    /** Takes a guard, or returns empty if this interpreter is closing or closed. */
    public Optional<InterpreterGuard> tryGuard() {
        GuardImpl guard = GuardImpl.tryAcquire(impl);
        return guard == null ? Optional.empty() : Optional.of(new InterpreterGuard(this, guard));
    }

    /**
     * Runs {@code work} with a thread state of this interpreter attached to the calling thread (or, on a virtual
     * thread, to a platform carrier thread), and returns its result. The thread state is released afterwards,
     * whatever happens.
     *
     * @throws ThreadStateException if the attachment is refused (the work does not run)
     * @throws PythonException      if Python code the work ran raised and the work let it through
     */
    public <T> T call(Function<? super ThreadState, ? extends T> work) {
        Objects.requireNonNull(work, "work");
        if (Thread.currentThread().isVirtual()) {
            return impl.lifecycle().onCarrier(impl, () -> callHere(work));
        }
        return callHere(work);
    }

    /** Like {@link #call} for work without a result. */
    public void run(Consumer<? super ThreadState> work) {
        Objects.requireNonNull(work, "work");
        call(ts -> {
            work.accept(ts);
            return null;
        });
    }

    /**
     * Like {@link #call(Function)}, but the work is interrupted once {@code timeout} has passed (counted from this
     * call, waiting to attach included): its Python code receives {@code tether.Interrupted} at its next bytecode
     * (a blocking call returns first; see <a href="#interrupting">Interrupting</a>), and this call then fails with
     * {@link ErrorCode#CALL_TIMED_OUT}, the {@link PythonException} as its cause. It returns only once the work has
     * ended. Work that returns normally returns its result, even past the timeout (it caught the interrupt, or
     * finished before it arrived).
     *
     * @throws ThreadStateException {@link ErrorCode#CALL_TIMED_OUT} past the timeout, or as {@link #call(Function)}
     * @throws PythonException      if Python code the work ran raised for another reason (an interrupt of the
     *                              thread included: then {@link PythonException#isInterrupted()} is true)
     */
    public <T> T call(Duration timeout, Function<? super ThreadState, ? extends T> work) {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(work, "work");
        long deadline = Closer.deadline(timeout);
        if (Thread.currentThread().isVirtual()) {
            return impl.lifecycle().onCarrier(impl, () -> callHere(timeout, deadline, work));
        }
        return callHere(timeout, deadline, work);
    }

    /** Like {@link #call(Duration, Function)} for work without a result. */
    public void run(Duration timeout, Consumer<? super ThreadState> work) {
        Objects.requireNonNull(work, "work");
        call(timeout, ts -> {
            work.accept(ts);
            return null;
        });
    }

    /**
     * An {@link Executor} that runs each task asynchronously on one of Tether's platform carrier threads, attached to
     * this interpreter ({@link ThreadState#current()} is its thread state). Tasks run concurrently, each on the
     * carrier that takes it (they take turns at this interpreter's GIL). What a task throws, or an attachment refused
     * because the interpreter closed meanwhile, goes to the uncaught-exception handler of the thread that runs it.
     * For futures that interrupt their Python code when cancelled, and for parallel work, use an
     * {@link InterpreterPool}.
     *
     * @throws RejectedExecutionException from {@code execute} if this interpreter is closing or closed
     */
    public Executor executor() {
        return command -> {
            Objects.requireNonNull(command, "command");
            if (!impl.gate().isOpen()) {
                throw new RejectedExecutionException(Failures.notOpen(impl).message());
            }
            impl.lifecycle().executeOnCarrier(() -> {
                try {
                    run(ts -> command.run());
                } catch (RuntimeException | Error e) {
                    Thread t = Thread.currentThread();
                    t.getUncaughtExceptionHandler().uncaughtException(t, e);
                }
            });
        };
    }

    /**
     * Closes this interpreter, waiting as long as it takes for the work in flight (attachments, guards, and the
     * threads Python started in it). Closing the main interpreter closes the whole {@link PythonRuntime}.
     *
     * @apiNote Idempotent: closing a closed interpreter returns at once; concurrent closes wait for each other.
     * @throws ThreadStateException {@link ErrorCode#CLOSE_WHILE_ATTACHED} if the calling thread is attached to it
     */
    @Override
    public void close() {
        closeWithin(null);
    }

    /**
     * Closes this interpreter, waiting at most {@code timeout} for the work in flight; then interrupts the Python
     * code still running in it (a {@code KeyboardInterrupt}, delivered at the next bytecode: a blocking call finishes
     * first; repeated every half second), waits a grace period (the timeout, but at least one and at most two
     * seconds, counted from the deadline), and gives up if it still runs. Daemon threads Python started here are not
     * waited for, but are interrupted once only they are left, and the interpreter is not ended while one runs.
     *
     * @throws ThreadStateException {@link ErrorCode#CLOSE_TIMED_OUT} naming the threads that still hold it (the
     *                              interpreter stays {@link State#CLOSING}), or {@link ErrorCode#CLOSE_WHILE_ATTACHED}
     */
    public void close(Duration timeout) {
        closeWithin(Objects.requireNonNull(timeout, "timeout"));
    }

    private void closeWithin(Duration timeout) {
        if (impl.isMain()) {
            impl.lifecycle().closeRuntime(timeout);
        } else {
            Closer.close(impl, timeout);
        }
    }

    private <T> T callHere(Function<? super ThreadState, ? extends T> work) {
        try (ThreadState ts = ThreadState.ensure(this)) {
            return work.apply(ts);
        }
    }

    private <T> T callHere(Duration timeout, long deadline, Function<? super ThreadState, ? extends T> work) {
        try (ThreadState ts = ThreadState.ensure(this)) {
            Interrupts.Watch watch = Interrupts.watch(ts.attachment(), deadline);
            try {
                return work.apply(ts);
            } catch (PythonException e) {
                throw watch.fired() ? Failures.callTimedOut(impl, timeout, e) : e;
            } finally {
                Interrupts.unwatch(watch);
            }
        }
    }

    /** For example {@code "Interpreter[main, RUNNING]"} or {@code "Interpreter[3, CLOSED]"}. */
    @Override
    public String toString() {
        return "Interpreter[" + (impl.isMain() ? "main" : Long.toString(impl.id())) + ", " + state() + "]";
    }
}
