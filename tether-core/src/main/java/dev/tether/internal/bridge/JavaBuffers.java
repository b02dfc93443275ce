package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.Layouts;
import dev.tether.internal.capi.ObjectHeader;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Java memory as Python objects that export it through the buffer protocol: {@code memoryview(x)},
 * {@code numpy.frombuffer(x, dtype)} and {@code numpy.asarray(x)} see it without a copy. The exporter is a heap
 * type per interpreter, {@code tether.JavaBuffer}, made with {@code PyType_FromSpec} (3.9+ accepts the buffer
 * slots there); its {@code bf_getbuffer}, {@code bf_releasebuffer} and {@code tp_dealloc} are upcalls.
 *
 * <h2>The internal API (also for {@code toNumpy})</h2>
 * {@link #export(InterpreterImpl, MemorySegment, Layout, boolean, Object, Runnable)} makes an exporter of native
 * memory with a format, item size, shape and strides ({@link Layout}), read-only or not, that keeps a Java object
 * alive for as long as Python holds the exporter or any buffer taken from it, and runs an action after the last
 * buffer taken from it is released. {@link #target} gives back the Java object for an exporter.
 *
 * <h2>Lifetime</h2>
 * Every buffer taken from an exporter holds a reference to it ({@code Py_buffer.obj}), so the exporter, and
 * with it the Java object kept alive, outlives every memoryview and array made from it. New buffers are refused
 * with a {@code BufferError} once the memory's scope is no longer alive (a closed arena): they never point at
 * freed memory. The Java side must not close an arena while Python holds a buffer taken from it: CPython reads
 * {@code Py_buffer.buf} directly, and nothing can revoke that pointer (F-BUFFER-RAW-POINTER; the guide says so).
 *
 * <p>Java arrays live on the Java heap, where the collector moves them, so Python cannot point into one: an array
 * is copied once into native memory when it crosses, and Python's writes are copied back into the array after
 * the last buffer taken from it is released (unless read-only). A {@code MemorySegment} of native memory is shared
 * as it is: writes on either side are seen by the other at once.
 */
public final class JavaBuffers {
    private static final int PY_BUF_WRITABLE = 0x1;
    private static final int PY_BUF_FORMAT = 0x4;
    private static final int PY_BUF_ND = 0x8;
    private static final int PY_BUF_STRIDES = 0x10 | PY_BUF_ND;
    private static final int PY_BUF_C_CONTIGUOUS = 0x20 | PY_BUF_STRIDES;
    private static final int PY_BUF_F_CONTIGUOUS = 0x40 | PY_BUF_STRIDES;
    /** {@code typeslots.h}: the slot numbers of {@code PyType_Slot}. */
    private static final int PY_BF_GETBUFFER = 1;
    private static final int PY_BF_RELEASEBUFFER = 2;
    private static final int PY_TP_DEALLOC = 52;
    private static final int PY_TP_DOC = 56;
    /** {@code Py_TPFLAGS_DEFAULT} (3.9-3.15: {@code Py_TPFLAGS_HAVE_VERSION_TAG}). */
    private static final int PY_TPFLAGS_DEFAULT = 1 << 18;

    /** Live exporters by address; an entry is removed as CPython deallocates its exporter. */
    private static final ConcurrentHashMap<Long, Export> EXPORTS = new ConcurrentHashMap<>();
    private static final MemorySegment SPEC;

    /**
     * How exported memory is laid out, as {@code Py_buffer} describes it.
     *
     * @param format   the struct-module format of one item ({@code "d"}, {@code "<i"}, {@code "B"})
     * @param itemSize bytes per item
     * @param shape    items per dimension
     * @param strides  bytes between items per dimension, or null for C order (row-major, contiguous)
     */
    public record Layout(String format, long itemSize, long[] shape, long[] strides) {
        public Layout {
            Objects.requireNonNull(format, "format");
            shape = shape.clone();
            strides = strides == null ? contiguous(itemSize, shape) : strides.clone();
            if (shape.length != strides.length) {
                throw new IllegalArgumentException("shape and strides differ in length");
            }
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 0 || strides[i] < 0) {
                    throw new IllegalArgumentException("negative shape or strides: " + Arrays.toString(shape)
                            + ", " + Arrays.toString(strides));
                }
            }
        }

        /** {@code n} unsigned bytes. */
        public static Layout bytes(long n) {
            return new Layout("B", 1, new long[] {n}, null);
        }

        /** Items of {@code layout} in C order with {@code shape}. */
        public static Layout of(ValueLayout layout, long... shape) {
            return new Layout(JavaBuffers.format(layout), layout.byteSize(), shape, null);
        }

        long items() {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            return n;
        }

        boolean isContiguous() {
            return Arrays.equals(strides, contiguous(itemSize, shape));
        }

        private static long[] contiguous(long itemSize, long[] shape) {
            long[] strides = new long[shape.length];
            long step = itemSize;
            for (int i = shape.length - 1; i >= 0; i--) {
                strides[i] = step;
                step *= shape[i];
            }
            return strides;
        }
    }

    /** One exporter's memory and what it keeps alive. Its counters are read and written under its GIL. */
    private static final class Export {
        final InterpreterImpl interpreter;
        final MemorySegment memory;
        final Layout layout;
        final boolean readOnly;
        final Object target;
        final Runnable afterLastRelease;
        /** Native copies of format, shape and strides (and an array's copy), freed with the exporter. */
        final Arena arena;
        final MemorySegment format;
        final MemorySegment shape;
        final MemorySegment strides;
        int exports;

        Export(InterpreterImpl interpreter, MemorySegment memory, Layout layout, boolean readOnly, Object target,
               Runnable afterLastRelease, Arena arena) {
            this.interpreter = interpreter;
            this.memory = memory;
            this.layout = layout;
            this.readOnly = readOnly;
            this.target = target;
            this.afterLastRelease = afterLastRelease;
            this.arena = arena;
            this.format = arena.allocateFrom(layout.format());
            this.shape = layout.shape().length == 0 ? MemorySegment.NULL
                    : arena.allocateFrom(JAVA_LONG, layout.shape());
            this.strides = layout.strides().length == 0 ? MemorySegment.NULL
                    : arena.allocateFrom(JAVA_LONG, layout.strides());
        }
    }

    static {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MemorySegment dealloc = linker.upcallStub(lookup.findStatic(JavaBuffers.class, "dealloc",
                    MethodType.methodType(void.class, MemorySegment.class)), FunctionDescriptor.ofVoid(ADDRESS),
                    Arena.global());
            MemorySegment get = linker.upcallStub(lookup.findStatic(JavaBuffers.class, "getBuffer",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, int.class)),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT), Arena.global());
            MemorySegment release = linker.upcallStub(lookup.findStatic(JavaBuffers.class, "releaseBuffer",
                    MethodType.methodType(void.class, MemorySegment.class, MemorySegment.class)),
                    FunctionDescriptor.ofVoid(ADDRESS, ADDRESS), Arena.global());
            int[] ids = {PY_TP_DEALLOC, PY_BF_GETBUFFER, PY_BF_RELEASEBUFFER, PY_TP_DOC, 0};
            MemorySegment[] functions = {dealloc, get, release,
                Arena.global().allocateFrom("Java memory exported through the buffer protocol (Tether)."),
                MemorySegment.NULL};
            MemorySegment slots = Arena.global().allocate(Layouts.PY_TYPE_SLOT, ids.length);
            for (int i = 0; i < ids.length; i++) {
                MemorySegment slot = slots.asSlice(i * Layouts.PY_TYPE_SLOT.byteSize());
                slot.set(JAVA_INT, 0, ids[i]);
                slot.set(ADDRESS, 8, functions[i]);
            }
            // The name must outlive the type: 3.9-3.11 point tp_name at it (F-FROMSPEC-BUFFER).
            SPEC = Arena.global().allocate(Layouts.PY_TYPE_SPEC);
            SPEC.set(ADDRESS, 0, Arena.global().allocateFrom("tether.JavaBuffer"));
            SPEC.set(JAVA_INT, 12, 0);
            SPEC.set(JAVA_INT, 16, PY_TPFLAGS_DEFAULT);
            SPEC.set(ADDRESS, 24, slots);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private JavaBuffers() {}

    /** A new reference to the exporter type for {@code interpreter}; attached, once per interpreter. */
    static MemorySegment newType(InterpreterImpl interpreter) {
        MemorySegment spec = SPEC;
        spec.set(JAVA_INT, 8, (int) ObjectHeader.headerSize()); // no fields of its own: the table is Java's
        MemorySegment type = CApi.PyType_FromSpec(spec);
        if (type.equals(MemorySegment.NULL)) {
            throw Errors.fetch(interpreter);
        }
        return type;
    }

    /**
     * A new reference to an exporter of {@code memory} laid out as {@code layout}; requires a thread state of
     * {@code interpreter} attached.
     *
     * @param readOnly         whether Python may only read (a read-only segment always is)
     * @param keepAlive        what the exporter keeps reachable, and what {@link #target} returns for it
     * @param afterLastRelease run (attached, under the interpreter's lock) each time the last buffer taken from
     *                         the exporter is released; null for nothing
     * @throws IllegalArgumentException if the layout does not fit in the memory
     */
    public static MemorySegment export(InterpreterImpl interpreter, MemorySegment memory, Layout layout,
                                       boolean readOnly, Object keepAlive, Runnable afterLastRelease) {
        return export(interpreter, memory, layout, readOnly, keepAlive, afterLastRelease, Arena.ofShared());
    }

    private static MemorySegment export(InterpreterImpl interpreter, MemorySegment memory, Layout layout,
                                        boolean readOnly, Object keepAlive, Runnable afterLastRelease, Arena arena) {
        long span = span(layout);
        if (!memory.isNative() || span > memory.byteSize()) {
            arena.close();
            throw new IllegalArgumentException("a layout of " + span + " bytes does not fit in native memory "
                    + memory);
        }
        ObjectSpace space = ObjectSpace.of(interpreter);
        MemorySegment exporter = CApi.PyType_GenericAlloc(space.bufferType(), 0);
        if (exporter.equals(MemorySegment.NULL)) {
            arena.close();
            throw Errors.fetch(interpreter);
        }
        EXPORTS.put(exporter.address(), new Export(interpreter, memory, layout, readOnly || memory.isReadOnly(),
                keepAlive, afterLastRelease, arena));
        return exporter;
    }

    /** The Java object an exporter keeps, or null if {@code o} is not a live exporter. */
    static Object target(MemorySegment o) {
        Export e = EXPORTS.get(o.address());
        return e == null ? null : e.target;
    }

    /** How many exporters are alive (tests and diagnostics). */
    static int live() {
        return EXPORTS.size();
    }

    /**
     * A new reference to an exporter of a primitive Java array or a {@code MemorySegment} ({@code view}), or
     * null if {@code value} is neither: one-dimensional, in the array's element format ({@code "B"} for a
     * segment). Native segments are shared; arrays and heap segments are copied (see the class comment).
     */
    static MemorySegment exportJava(InterpreterImpl interpreter, Object value, boolean readOnly) {
        if (value instanceof MemorySegment segment) {
            if (segment.isNative()) {
                return export(interpreter, segment, Layout.bytes(segment.byteSize()), readOnly, segment, null);
            }
            return copied(interpreter, segment, segment.byteSize(), Layout.bytes(segment.byteSize()),
                    readOnly || segment.isReadOnly(), segment);
        }
        ValueLayout element = switch (value) {
            case byte[] a -> ValueLayout.JAVA_BYTE;
            case short[] a -> ValueLayout.JAVA_SHORT;
            case char[] a -> ValueLayout.JAVA_CHAR;
            case int[] a -> ValueLayout.JAVA_INT;
            case long[] a -> ValueLayout.JAVA_LONG;
            case float[] a -> ValueLayout.JAVA_FLOAT;
            case double[] a -> ValueLayout.JAVA_DOUBLE;
            default -> null;
        };
        if (element == null) {
            return null;
        }
        long length = java.lang.reflect.Array.getLength(value);
        MemorySegment heap = switch (value) {
            case byte[] a -> MemorySegment.ofArray(a);
            case short[] a -> MemorySegment.ofArray(a);
            case char[] a -> MemorySegment.ofArray(a);
            case int[] a -> MemorySegment.ofArray(a);
            case long[] a -> MemorySegment.ofArray(a);
            case float[] a -> MemorySegment.ofArray(a);
            default -> MemorySegment.ofArray((double[]) value);
        };
        return copied(interpreter, heap, length * element.byteSize(), Layout.of(element, length), readOnly, value);
    }

    /** Exports a native copy of heap memory, copied back after the last release unless read-only. */
    private static MemorySegment copied(InterpreterImpl interpreter, MemorySegment heap, long bytes, Layout layout,
                                        boolean readOnly, Object target) {
        Arena arena = Arena.ofShared();
        MemorySegment copy = arena.allocate(Math.max(1, bytes), Math.max(1, layout.itemSize())).asSlice(0, bytes);
        MemorySegment.copy(heap, 0, copy, 0, bytes);
        Runnable back = readOnly ? null : () -> MemorySegment.copy(copy, 0, heap, 0, bytes);
        return export(interpreter, copy, layout, readOnly, target, back, arena);
    }

    /** The struct-module format of a value layout, with a byte-order prefix when not native. */
    public static String format(ValueLayout layout) {
        String code = switch (layout.carrier().getName()) {
            case "byte" -> "b";
            case "short" -> "h";
            case "char" -> "H";
            case "int" -> "i";
            case "long" -> "q";
            case "float" -> "f";
            case "double" -> "d";
            case "boolean" -> "?";
            default -> throw new IllegalArgumentException("no buffer format for " + layout);
        };
        if (layout.byteSize() == 1 || layout.order() == ByteOrder.nativeOrder()) {
            return code;
        }
        return (layout.order() == ByteOrder.LITTLE_ENDIAN ? "<" : ">") + code;
    }

    /** Bytes from the first item to the end of the last one. */
    private static long span(Layout layout) {
        long end = layout.itemSize();
        for (int i = 0; i < layout.shape().length; i++) {
            if (layout.shape()[i] == 0) {
                return 0;
            }
            end += (layout.shape()[i] - 1) * layout.strides()[i];
        }
        return end;
    }

    // ---- upcalls: they run with the interpreter's lock held, touch only this class's table, never throw --------

    /** {@code void tp_dealloc(PyObject *self)}. */
    private static void dealloc(MemorySegment self) {
        try {
            Export e = EXPORTS.remove(self.address());
            if (e != null) {
                ObjectSpace space = ObjectSpace.orNull(e.interpreter);
                if (space != null) {
                    space.forgetBuffer(e.target, self.address());
                }
                e.arena.close();
            }
            MemorySegment type = MemorySegment.ofAddress(ObjectHeader.typeOf(self));
            CApi.PyObject_Free(self);
            CApi.Py_DecRef(type); // an instance of a heap type holds a reference to it
        } catch (Throwable t) {
            // nothing can be reported from a deallocator; at worst the copy's memory stays allocated
        }
    }

    /** {@code int bf_getbuffer(PyObject *self, Py_buffer *view, int flags)}. */
    private static int getBuffer(MemorySegment self, MemorySegment view, int flags) {
        try {
            Export e = EXPORTS.get(self.address());
            String refusal = e == null ? Failures.notAProxy("the buffer protocol")
                    : !e.memory.scope().isAlive() ? Failures.javaMemoryGone()
                    : (flags & PY_BUF_WRITABLE) != 0 && e.readOnly ? Failures.bufferReadOnly()
                    : !fits(e.layout, flags) ? Failures.bufferNotContiguous() : null;
            if (refusal != null) {
                HostCalls.raise(null, new PyRaise(PyRaise.Kind.BUFFER_ERROR, refusal));
                return -1;
            }
            boolean nd = (flags & PY_BUF_ND) == PY_BUF_ND;
            boolean strided = (flags & PY_BUF_STRIDES) == PY_BUF_STRIDES;
            CApi.Py_IncRef(self);
            ObjectHeader.writeBuffer(view, e.memory, self, e.layout.items() * e.layout.itemSize(),
                    e.layout.itemSize(), e.readOnly,
                    nd ? e.layout.shape().length : 1, (flags & PY_BUF_FORMAT) != 0 ? e.format : MemorySegment.NULL,
                    nd ? e.shape : MemorySegment.NULL, strided ? e.strides : MemorySegment.NULL);
            e.exports++;
            return 0;
        } catch (Throwable t) {
            return -1 + raiseRuntime(t);
        }
    }

    /** Whether a request without strides (or asking for a contiguity) can be served. */
    private static boolean fits(Layout layout, int flags) {
        if (layout.isContiguous()) {
            return (flags & PY_BUF_F_CONTIGUOUS) != PY_BUF_F_CONTIGUOUS || layout.shape().length <= 1;
        }
        return (flags & PY_BUF_STRIDES) == PY_BUF_STRIDES && (flags & PY_BUF_C_CONTIGUOUS) != PY_BUF_C_CONTIGUOUS
                && (flags & PY_BUF_F_CONTIGUOUS) != PY_BUF_F_CONTIGUOUS;
    }

    /** {@code void bf_releasebuffer(PyObject *self, Py_buffer *view)}. */
    private static void releaseBuffer(MemorySegment self, MemorySegment view) {
        try {
            Export e = EXPORTS.get(self.address());
            if (e != null && --e.exports == 0 && e.afterLastRelease != null && e.memory.scope().isAlive()) {
                e.afterLastRelease.run();
            }
        } catch (Throwable t) {
            // nothing can be reported from a release; the Java array misses Python's last writes
        }
    }

    private static int raiseRuntime(Throwable t) {
        try (Arena arena = Arena.ofConfined()) {
            CApi.PyErr_SetString(CApi.PyExc_BufferError, arena.allocateFrom("Java exporter failed: " + t));
        } catch (Throwable ignored) {
            // nothing more can be done without risking the JVM
        }
        return 0;
    }
}
