package dev.tether.internal.protocol;

import java.util.Arrays;

/**
 * What Tether knows about one platform thread: its attachment stack and its bindings to interpreters. Confined to
 * its owner thread (reached through a ThreadLocal); only bindings are shared, through the gates.
 */
final class ThreadRecord {
    final Thread owner;
    /** {@code PyThread_get_thread_ident()}, once asked. */
    private long ident;
    /** The innermost open attachment, or null. */
    Attachment top;
    /** The binding whose thread state is attached to this OS thread now, or null. */
    Binding current;
    /**
     * 3.12+: the binding whose thread state this OS thread's gilstate slot points at (the one Tether attached last),
     * or null (none, or a thread state CPython attached). See {@link GilstateSlots#noteAttached}.
     */
    Binding gilstate;
    /** One-entry cache for the common case of one interpreter per thread. */
    private Binding last;
    private Binding[] bindings = new Binding[2];
    private int count;

    ThreadRecord(Thread owner) {
        this.owner = owner;
    }

    long ident(java.util.function.LongSupplier lookup) {
        if (ident == 0) {
            ident = lookup.getAsLong();
        }
        return ident;
    }

    Binding lookup(InterpreterImpl interpreter) {
        Binding b = last;
        if (b != null && b.interpreter == interpreter) {
            return b;
        }
        for (int i = 0; i < count; i++) {
            if (bindings[i].interpreter == interpreter) {
                last = bindings[i];
                return last;
            }
        }
        return null;
    }

    void add(Binding binding) {
        dropClosed();
        if (count == bindings.length) {
            bindings = Arrays.copyOf(bindings, count * 2);
        }
        bindings[count++] = binding;
        last = binding;
    }

    /** Bindings of this thread (a copy). */
    Binding[] bindings() {
        return Arrays.copyOf(bindings, count);
    }

    void remove(Binding binding) {
        for (int i = 0; i < count; i++) {
            if (bindings[i] == binding) {
                bindings[i] = bindings[--count];
                bindings[count] = null;
                break;
            }
        }
        if (last == binding) {
            last = null;
        }
    }

    /** Forgets bindings of interpreters that were closed: they can hold nothing and own no thread state. */
    private void dropClosed() {
        for (int i = count - 1; i >= 0; i--) {
            if (bindings[i].interpreter.gate().isClosed() && bindings[i].depth == 0) {
                remove(bindings[i]);
            }
        }
    }
}
