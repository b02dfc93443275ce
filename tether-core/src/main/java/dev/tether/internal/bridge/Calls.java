package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * Calls a Python callable with converted Java arguments through {@code PyObject_VectorcallDict}: no argument tuple
 * is built. The C array of arguments comes from a per-thread stack in native memory, so calls nest (a callee that
 * calls back into Java that calls Python again) without overwriting arguments a caller may still read.
 */
final class Calls {
    /** Argument slots per thread; a call that needs more than are free uses an arena of its own. */
    private static final int STACK_SLOTS = 512;

    /** A per-thread stack of argument slots; reclaimed with the thread. */
    private static final class ArgStack {
        final MemorySegment slots = Arena.ofAuto().allocate(ADDRESS, STACK_SLOTS);
        int top;
    }

    private static final ThreadLocal<ArgStack> STACK = ThreadLocal.withInitial(ArgStack::new);

    private Calls() {}

    /** A new reference to {@code callable(*args, **kwargs)}; throws PythonException if it raised. */
    static MemorySegment call(InterpreterImpl interpreter, MemorySegment callable, Object[] args,
                              Map<String, ?> kwargs) {
        int n = args.length;
        MemorySegment[] converted = new MemorySegment[n];
        MemorySegment keywords = MemorySegment.NULL;
        try {
            for (int i = 0; i < n; i++) {
                converted[i] = ToPython.convert(interpreter, args[i]);
            }
            if (kwargs != null && !kwargs.isEmpty()) {
                for (Object key : kwargs.keySet()) {
                    if (!(key instanceof String)) {
                        throw Failures.keywordNotString(key);
                    }
                }
                keywords = ToPython.convert(interpreter, kwargs);
            }
            MemorySegment result = invoke(callable, converted, keywords);
            if (result.equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            return result;
        } finally {
            for (MemorySegment c : converted) {
                if (c != null) {
                    CApi.Py_DecRef(c);
                }
            }
            if (!keywords.equals(MemorySegment.NULL)) {
                CApi.Py_DecRef(keywords);
            }
        }
    }

    private static MemorySegment invoke(MemorySegment callable, MemorySegment[] args, MemorySegment keywords) {
        int n = args.length;
        ArgStack stack = STACK.get();
        if (stack.top + n > STACK_SLOTS) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment slots = arena.allocate(ADDRESS, Math.max(1, n));
                fill(slots, 0, args);
                return CApi.PyObject_VectorcallDict(callable, slots, n, keywords);
            }
        }
        int base = stack.top;
        fill(stack.slots, base, args);
        stack.top = base + n;
        try {
            return CApi.PyObject_VectorcallDict(callable, n == 0 ? MemorySegment.NULL
                    : stack.slots.asSlice(base * ADDRESS.byteSize()), n, keywords);
        } finally {
            stack.top = base;
        }
    }

    private static void fill(MemorySegment slots, int base, MemorySegment[] args) {
        for (int i = 0; i < args.length; i++) {
            slots.setAtIndex(ADDRESS, base + i, args[i]);
        }
    }
}
