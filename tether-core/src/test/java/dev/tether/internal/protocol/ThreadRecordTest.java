package dev.tether.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** A thread's bindings: lookup (with its one-entry cache), growth, removal, and forgetting closed interpreters. */
class ThreadRecordTest {
    @Test
    void bindingsAreFoundAddedAndRemoved() {
        ThreadRecord record = new ThreadRecord(Thread.currentThread());
        InterpreterImpl[] interpreters = new InterpreterImpl[5];
        Binding[] bindings = new Binding[5];
        for (int i = 0; i < 5; i++) {
            interpreters[i] = Interpreters.sub(i + 1, 12);
            bindings[i] = new Binding(interpreters[i], record.owner, 1);
            record.add(bindings[i]);
        }
        for (int i = 4; i >= 0; i--) {
            assertSame(bindings[i], record.lookup(interpreters[i]));
        }
        record.remove(bindings[2]);
        assertNull(record.lookup(interpreters[2]));
        assertEquals(4, record.bindings().length);
        assertSame(bindings[3], record.lookup(interpreters[3]));
    }

    @Test
    void bindingsOfClosedInterpretersAreForgottenWhenAnotherIsAdded() {
        ThreadRecord record = new ThreadRecord(Thread.currentThread());
        InterpreterImpl closed = Interpreters.sub(1, 12);
        record.add(new Binding(closed, record.owner, 1));
        closed.gate().beginClosing();
        closed.gate().beginEnding();
        closed.gate().markClosed();
        record.add(new Binding(Interpreters.sub(2, 12), record.owner, 1));
        assertNull(record.lookup(closed));
        assertEquals(1, record.bindings().length);
    }

    @Test
    void theIdentIsAskedOnce() {
        ThreadRecord record = new ThreadRecord(Thread.currentThread());
        long[] asked = {0};
        assertEquals(42, record.ident(() -> ++asked[0] * 42));
        assertEquals(42, record.ident(() -> ++asked[0] * 42));
        assertEquals(1, asked[0]);
    }
}
