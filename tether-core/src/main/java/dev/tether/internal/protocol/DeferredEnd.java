package dev.tether.internal.protocol;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The end of a subinterpreter in CPython, put off because live threads' gilstate slots still point at the idle
 * thread states they kept there (see {@link IdleThreadStates}). For Tether the
 * interpreter is closed already; {@code Py_EndInterpreter} runs once every thread waited for has moved its slot or
 * terminated ({@link #poke()}, by those threads as they move it and by the runtime's watcher, which also notices
 * terminations), or when the runtime ends.
 */
public final class DeferredEnd {
    private final InterpreterImpl interpreter;
    /** Bindings whose owner's slot pointed at their idle thread state when the end looked; fixed. */
    private final List<Binding> waitingFor;
    /** Set once, by the poke that hands the end back to the runtime. */
    private final AtomicBoolean resumed = new AtomicBoolean();

    DeferredEnd(InterpreterImpl interpreter, List<Binding> waitingFor) {
        this.interpreter = interpreter;
        this.waitingFor = List.copyOf(waitingFor);
    }

    public InterpreterImpl interpreter() {
        return interpreter;
    }

    /** Whether every thread waited for has moved its gilstate slot away or terminated. */
    boolean resolved() {
        for (Binding b : waitingFor) {
            if (b.gilstateBound && b.owner.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /** Hands the end back to the runtime if nothing it waits for is left; any thread, never blocks. */
    public void poke() {
        if (resolved() && resumed.compareAndSet(false, true)) {
            interpreter.lifecycle().resumeEnd(interpreter);
        }
    }

    /** How many threads it still waits for (diagnostics, tests). */
    public int waiting() {
        int n = 0;
        for (Binding b : waitingFor) {
            if (b.gilstateBound && b.owner.isAlive()) {
                n++;
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return "the end of " + interpreter.describe() + ", waiting for " + waiting() + " thread(s)";
    }
}
