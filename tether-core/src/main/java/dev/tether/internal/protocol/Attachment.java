package dev.tether.internal.protocol;

import java.lang.foreign.MemorySegment;

/**
 * One open {@code ensure} on one thread: a frame of that thread's attachment stack. Released in LIFO order.
 * All fields are confined to the owner thread, except {@link #released} which others may read for diagnostics.
 */
public final class Attachment implements AttachOutcome {

    /** The public object that stands for an attachment (the API layer's thread state), created once per frame. */
    public interface Handle {}


    /** What the ensure did, and so what its release undoes. */
    enum Kind {
        /** Took the thread's first hold on the interpreter and attached a thread state (created or cached). */
        NEW,
        /** The interpreter's thread state was already the attached one: only the depth grew. */
        NESTED,
        /** The thread held the interpreter lower in its stack: switched back to that thread state. */
        SWITCH,
        /** CPython had already attached a thread state of the interpreter (a thread Python started). */
        ADOPTED
    }

    final ThreadRecord record;
    final Binding binding;
    final Kind kind;
    final Attachment below;
    /** The binding that was attached before this frame, re-attached on release; may be null. */
    final Binding previous;
    /** A thread state CPython had attached before this frame (not ours), re-attached on release; may be null. */
    final MemorySegment previousForeign;
    /** A guard that covered the hold (taken while the interpreter was closing); may be null. */
    final GuardImpl guard;
    volatile boolean released;
    /** The public object wrapping this frame, once one was made; owner thread only. */
    private Handle handle;

    Attachment(ThreadRecord record, Binding binding, Kind kind, Attachment below, Binding previous,
               MemorySegment previousForeign, GuardImpl guard) {
        this.record = record;
        this.binding = binding;
        this.kind = kind;
        this.below = below;
        this.previous = previous;
        this.previousForeign = previousForeign;
        this.guard = guard;
    }

    public InterpreterImpl interpreter() {
        return binding.interpreter;
    }

    public Thread owner() {
        return record.owner;
    }

    public boolean isReleased() {
        return released;
    }

    /** The public object wrapping this frame, or null. */
    public Handle handle() {
        return handle;
    }

    /** Records the public object wrapping this frame. */
    public void handle(Handle handle) {
        this.handle = handle;
    }
}
