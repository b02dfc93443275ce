package dev.tether.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tether.ConversionException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Python tuples used as dict keys or set elements become Java keys that compare by value. */
class KeysTest {
    @Test
    @SuppressWarnings("unchecked")
    void tuplesBecomeListsDeeplyAndMayHoldNone() {
        Object key = PyContainers.keyOf(new Object[] {null, 1L, new Object[] {2L, null}});
        assertEquals(Arrays.asList(null, 1L, Arrays.asList(2L, null)), key);
        assertEquals(key.hashCode(), PyContainers.keyOf(new Object[] {null, 1L, new Object[] {2L, null}}).hashCode());
        assertEquals("x", PyContainers.keyOf("x"));
        assertThrows(UnsupportedOperationException.class, () -> ((List<Object>) key).set(0, "y"));
    }

    @Test
    void absurdlyDeepTupleKeysAreRefused() {
        Object[] deep = new Object[1];
        Object[] at = deep;
        for (int i = 0; i < PyContainers.MAX_KEY_DEPTH; i++) {
            Object[] next = new Object[1];
            at[0] = next;
            at = next;
        }
        assertThrows(ConversionException.class, () -> PyContainers.keyOf(deep));
    }
}
