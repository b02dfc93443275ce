package dev.tether.internal.runtime;

import dev.tether.internal.protocol.InterpreterImpl;

/**
 * One unit of work: run by a worker attached to its member. Subclasses (the public layer's futures) attach
 * and report the outcome in {@link #run}; {@link #reject} fails one that will never run.
 *
 * <p>Run and interrupt are ordered by the task's monitor: an interrupt is delivered only while
 * {@link #runner} is set, and the worker clears it (detached, so the interrupt's delivery, which needs the
 * member's GIL, can finish) before it looks whether one was delivered and, if so, withdraws what may still be
 * pending from its thread state. No interrupt ever reaches a later task.
 */
public abstract class PoolTask {
    /** The worker running it; guarded by this task's monitor. */
    private PoolImpl.Worker runner;
    /** Whether it ran or was rejected or cancelled before it ran; guarded by this task's monitor. */
    private boolean settled;
    /** Whether an interrupt was delivered to its worker while it ran; guarded by this task's monitor. */
    private boolean interrupted;

    /** Runs on the worker thread: attaches to {@code member}, runs, reports. Must not throw. */
    protected abstract void run(InterpreterImpl member);

    /** Fails the task: it will never run. Must not throw. */
    protected abstract void reject(RuntimeException why);

    /** Settles it before it ran (it was cancelled); false if it runs or ran already. */
    public final synchronized boolean withdraw() {
        if (settled) {
            return false;
        }
        settled = true;
        notifyAll();
        return true;
    }

    /**
     * Interrupts the Python code of this task if it is running (its {@code Future.cancel(true)}): the worker's
     * Java interrupt status is set, and a {@code KeyboardInterrupt} is raised in its Python code at the next
     * bytecode (a blocking call returns first).
     */
    public final synchronized void interrupt() {
        if (runner != null) {
            interrupted = true;
            runner.interrupt();
        }
    }

    /** Claims the task for {@code worker}; false if it was cancelled while it waited. */
    synchronized boolean start(PoolImpl.Worker worker) {
        if (settled) {
            return false;
        }
        settled = true;
        runner = worker;
        return true;
    }

    /** Ends the run; returns whether an interrupt was delivered (detached: see the class comment). */
    synchronized boolean finish() {
        runner = null;
        notifyAll();
        return interrupted;
    }

    /**
     * Waits until the task is not running: it ended, or never started and never will (it was settled before a
     * worker took it). Interrupts of the waiting thread are deferred until then.
     */
    public final synchronized void awaitStopped() {
        boolean interrupted = false;
        while (runner != null || !settled) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
