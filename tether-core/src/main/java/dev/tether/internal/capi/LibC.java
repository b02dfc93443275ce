package dev.tether.internal.capi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The libc functions Tether calls besides {@code dlopen} (see {@link LibPython}), bound once through FFM: a flat
 * table grouped by the header that declares each, as {@link CApi} is for CPython. Linux x86-64 with glibc, like
 * everything Tether loads; the buffer sizes and offsets below are glibc's for that ABI.
 */
@SuppressWarnings("checkstyle:MethodName")
public final class LibC {
    private LibC() {}

    private static final Linker LINKER = Linker.nativeLinker();

    /** {@code sizeof(pthread_attr_t)} (glibc x86-64: 56), rounded up. */
    private static final long PTHREAD_ATTR_SIZE = 64;
    /** {@code sizeof(ucontext_t)} (glibc x86-64: 968), rounded up. */
    private static final long UCONTEXT_SIZE = 1024;
    /** {@code offsetof(ucontext_t, uc_mcontext.gregs[REG_RSP])} (glibc x86-64). */
    private static final long UCONTEXT_RSP = 160;

    /**
     * The calling thread's stack: its lowest usable address (above glibc's guard, if any), its highest, and the
     * stack pointer of the caller right now (in the downcall, so just below the Java frames).
     */
    public record Stack(long low, long high, long pointer) {
        /** Bytes between the stack pointer and the low end: what is left for deeper calls. */
        public long below() {
            return pointer - low;
        }
    }

    /** The calling thread's stack, or null if libc cannot tell. */
    public static Stack currentStack() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(PTHREAD_ATTR_SIZE, 16);
            if (pthread_getattr_np(pthread_self(), attr) != 0) {
                return null;
            }
            MemorySegment address = arena.allocate(ADDRESS);
            MemorySegment size = arena.allocate(JAVA_LONG);
            MemorySegment guard = arena.allocate(JAVA_LONG);
            int failed = pthread_attr_getstack(attr, address, size) | pthread_attr_getguardsize(attr, guard);
            pthread_attr_destroy(attr);
            MemorySegment context = arena.allocate(UCONTEXT_SIZE, 16);
            if (failed != 0 || getcontext(context) != 0) {
                return null;
            }
            long low = address.get(ADDRESS, 0).address();
            long pointer = context.get(JAVA_LONG, UCONTEXT_RSP);
            Stack stack = new Stack(low + guard.get(JAVA_LONG, 0), low + size.get(JAVA_LONG, 0), pointer);
            return stack.low() < pointer && pointer < stack.high() ? stack : null;
        }
    }

    // ---- pthread.h -----------------------------------------------------------------------------------------------

    private static final MethodHandle pthread_self = libc("pthread_self", FunctionDescriptor.of(JAVA_LONG));
    public static long pthread_self() {
        try { return (long) pthread_self.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    /** Fills {@code attr} with the attributes of the running thread {@code thread}, its stack included (GNU). */
    private static final MethodHandle pthread_getattr_np = libc("pthread_getattr_np",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
    public static int pthread_getattr_np(long thread, MemorySegment attr) {
        try { return (int) pthread_getattr_np.invokeExact(thread, attr); } catch (Throwable t) { throw fail(t); }
    }

    /** The lowest address of the stack and its size (glibc's guard area included). */
    private static final MethodHandle pthread_attr_getstack = libc("pthread_attr_getstack",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    public static int pthread_attr_getstack(MemorySegment attr, MemorySegment addressOut, MemorySegment sizeOut) {
        try {
            return (int) pthread_attr_getstack.invokeExact(attr, addressOut, sizeOut);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle pthread_attr_getguardsize = libc("pthread_attr_getguardsize",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    public static int pthread_attr_getguardsize(MemorySegment attr, MemorySegment sizeOut) {
        try { return (int) pthread_attr_getguardsize.invokeExact(attr, sizeOut); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle pthread_attr_destroy = libc("pthread_attr_destroy",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    public static int pthread_attr_destroy(MemorySegment attr) {
        try { return (int) pthread_attr_destroy.invokeExact(attr); } catch (Throwable t) { throw fail(t); }
    }

    // ---- ucontext.h ----------------------------------------------------------------------------------------------

    /** Saves the caller's registers (its stack pointer among them) and signal mask into {@code context}. */
    private static final MethodHandle getcontext = libc("getcontext", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    public static int getcontext(MemorySegment context) {
        try { return (int) getcontext.invokeExact(context); } catch (Throwable t) { throw fail(t); }
    }

    /** From libc, or (glibc before 2.34 keeps pthread functions in libpthread) from what libpython links. */
    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        MemorySegment address = LINKER.defaultLookup().find(name).or(() -> LibPython.find(name))
                .orElseThrow(() -> new ExceptionInInitializerError("libc has no " + name));
        return LINKER.downcallHandle(address, descriptor);
    }

    private static RuntimeException fail(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
