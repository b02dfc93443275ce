package dev.tether.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** Typed per-interpreter places: created once, taken once. */
class SlotTest {
    private static final Slot<StringBuilder> NOTES = Slot.of(StringBuilder.class, "test notes");

    @Test
    void createdOnceAndTakenOnce() {
        InterpreterImpl interpreter = Interpreters.sub(5, 13);
        assertNull(interpreter.get(NOTES));
        StringBuilder first = interpreter.getOrCreate(NOTES, StringBuilder::new);
        assertSame(first, interpreter.getOrCreate(NOTES, StringBuilder::new));
        assertSame(first, interpreter.take(NOTES));
        assertNull(interpreter.take(NOTES));
    }
}
