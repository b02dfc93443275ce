package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_CHAR;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.ObjectHeader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * Strings across the boundary, exactly: every Java {@code String} (including NUL and unpaired surrogates) maps to a
 * Python {@code str} and back. Requires an attached thread state.
 */
final class Texts {
    private Texts() {}

    /** A new reference to a Python {@code str} equal to {@code s}, or NULL with a Python error set. */
    static MemorySegment toPython(String s) {
        try (Arena arena = Arena.ofConfined()) {
            char[] chars = s.toCharArray();
            MemorySegment data = arena.allocateFrom(JAVA_CHAR, chars);
            // Native order on the platforms Tether runs on is little-endian; surrogatepass keeps unpaired halves.
            MemorySegment byteorder = arena.allocateFrom(JAVA_INT, -1);
            return CApi.PyUnicode_DecodeUTF16(data, 2L * chars.length, arena.allocateFrom("surrogatepass"),
                    byteorder);
        }
    }

    /** The Java string equal to the Python {@code str} {@code o}; null with a Python error set on failure. */
    static String fromPython(MemorySegment o) {
        MemorySegment size = Scratch.block(); // no Python code runs between the call and the read
        MemorySegment utf8 = CApi.PyUnicode_AsUTF8AndSize(o, size);
        if (!utf8.equals(MemorySegment.NULL)) {
            return new String(ObjectHeader.copyBytes(utf8, size.get(JAVA_LONG, 0)), StandardCharsets.UTF_8);
        }
        try (Arena arena = Arena.ofConfined()) {
            size = arena.allocate(JAVA_LONG);
            // Unpaired surrogates have no UTF-8 form; UTF-16 with surrogatepass carries them as Java does.
            CApi.PyErr_Clear();
            MemorySegment bytes = CApi.PyUnicode_AsEncodedString(o, arena.allocateFrom("utf-16-le"),
                    arena.allocateFrom("surrogatepass"));
            if (bytes.equals(MemorySegment.NULL)) {
                return null;
            }
            try {
                MemorySegment buffer = arena.allocate(ADDRESS);
                if (CApi.PyBytes_AsStringAndSize(bytes, buffer, size) < 0) {
                    return null;
                }
                // Not a charset decoder: those replace unpaired surrogates, and Java strings can hold them.
                return new String(ObjectHeader.copyUtf16Le(buffer.get(ADDRESS, 0), size.get(JAVA_LONG, 0)));
            } finally {
                CApi.Py_DecRef(bytes);
            }
        }
    }
}
