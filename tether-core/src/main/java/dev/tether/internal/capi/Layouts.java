package dev.tether.internal.capi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/** Struct layouts of CPython, with the versions they match. */
public final class Layouts {
    private Layouts() {}

    /** {@code PyStatus} (3.8+): {@code int _type; const char *func; const char *err_msg; int exitcode;}. */
    public static final StructLayout PY_STATUS = MemoryLayout.structLayout(
            JAVA_INT.withName("_type"), MemoryLayout.paddingLayout(4),
            ADDRESS.withName("func"), ADDRESS.withName("err_msg"),
            JAVA_INT.withName("exitcode"), MemoryLayout.paddingLayout(4));

    /** {@code PyMethodDef} (all versions): name, function, flags, doc. */
    public static final StructLayout PY_METHOD_DEF = MemoryLayout.structLayout(
            ADDRESS.withName("ml_name"), ADDRESS.withName("ml_meth"), JAVA_INT.withName("ml_flags"),
            MemoryLayout.paddingLayout(4), ADDRESS.withName("ml_doc"));

    /**
     * {@code Py_buffer} (3.9-3.15): buf, obj, len, itemsize, readonly, ndim, format, shape, strides,
     * suboffsets, internal.
     */
    public static final StructLayout PY_BUFFER = MemoryLayout.structLayout(
            ADDRESS.withName("buf"), ADDRESS.withName("obj"), JAVA_LONG.withName("len"),
            JAVA_LONG.withName("itemsize"), JAVA_INT.withName("readonly"), JAVA_INT.withName("ndim"),
            ADDRESS.withName("format"), ADDRESS.withName("shape"), ADDRESS.withName("strides"),
            ADDRESS.withName("suboffsets"), ADDRESS.withName("internal"));

    /** {@code PyInterpreterConfig} (3.12-3.15): seven {@code int}s. */
    public static final StructLayout PY_INTERPRETER_CONFIG = MemoryLayout.structLayout(
            JAVA_INT.withName("use_main_obmalloc"), JAVA_INT.withName("allow_fork"),
            JAVA_INT.withName("allow_exec"), JAVA_INT.withName("allow_threads"),
            JAVA_INT.withName("allow_daemon_threads"), JAVA_INT.withName("check_multi_interp_extensions"),
            JAVA_INT.withName("gil"));

    /**
     * {@code PyType_Spec} (3.9-3.15): {@code const char *name; int basicsize; int itemsize; unsigned int flags;
     * PyType_Slot *slots}.
     */
    public static final StructLayout PY_TYPE_SPEC = MemoryLayout.structLayout(
            ADDRESS.withName("name"), JAVA_INT.withName("basicsize"), JAVA_INT.withName("itemsize"),
            JAVA_INT.withName("flags"), MemoryLayout.paddingLayout(4), ADDRESS.withName("slots"));

    /** {@code PyType_Slot} (3.9-3.15): {@code int slot; void *pfunc}; an array of them ends with slot 0. */
    public static final StructLayout PY_TYPE_SLOT = MemoryLayout.structLayout(
            JAVA_INT.withName("slot"), MemoryLayout.paddingLayout(4), ADDRESS.withName("pfunc"));
}
