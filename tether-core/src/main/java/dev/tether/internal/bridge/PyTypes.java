package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.ObjectHeader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What kind of Python object an address holds, and how messages name its type. Requires an attached thread state.
 * The exact builtin types are told apart by the address of their type object (one read of the object header, no
 * reference counting); subclasses go through {@code PyType_IsSubtype}.
 */
final class PyTypes {
    private PyTypes() {}

    /** The exact builtin types the conversion table knows; {@link #OTHER} for everything else. */
    enum Kind { NONE, BOOL, INT, FLOAT, STR, BYTES, BYTEARRAY, LIST, TUPLE, DICT, SET, FROZENSET, OTHER }

    /** The exact kind of {@code o} (a subclass of {@code int} is {@link Kind#OTHER}). */
    static Kind kindOf(MemorySegment o) {
        if (o.equals(CApi.Py_None)) {
            return Kind.NONE;
        }
        long type = ObjectHeader.typeOf(o);
        if (type == CApi.PyLong_Type.address()) {
            return Kind.INT;
        } else if (type == CApi.PyUnicode_Type.address()) {
            return Kind.STR;
        } else if (type == CApi.PyFloat_Type.address()) {
            return Kind.FLOAT;
        } else if (type == CApi.PyBool_Type.address()) {
            return Kind.BOOL;
        } else if (type == CApi.PyList_Type.address()) {
            return Kind.LIST;
        } else if (type == CApi.PyTuple_Type.address()) {
            return Kind.TUPLE;
        } else if (type == CApi.PyDict_Type.address()) {
            return Kind.DICT;
        } else if (type == CApi.PyBytes_Type.address()) {
            return Kind.BYTES;
        } else if (type == CApi.PyByteArray_Type.address()) {
            return Kind.BYTEARRAY;
        } else if (type == CApi.PySet_Type.address()) {
            return Kind.SET;
        } else if (type == CApi.PyFrozenSet_Type.address()) {
            return Kind.FROZENSET;
        }
        return Kind.OTHER;
    }

    /** Whether {@code o} is an instance of {@code type} or of a subclass. */
    static boolean isInstance(MemorySegment o, MemorySegment type) {
        long t = ObjectHeader.typeOf(o);
        return t == type.address() || CApi.PyType_IsSubtype(MemorySegment.ofAddress(t), type) != 0;
    }

    /** Whether {@code o} is an {@code int} but not a {@code bool} (which subclasses it). */
    static boolean isIntNotBool(MemorySegment o) {
        return isInstance(o, CApi.PyLong_Type) && ObjectHeader.typeOf(o) != CApi.PyBool_Type.address();
    }

    /** {@code 'name'} of {@code type(o)}, quoted for messages, qualified with the module unless builtin. */
    static String typeName(MemorySegment o) {
        return "'" + typeObjectName(MemorySegment.ofAddress(ObjectHeader.typeOf(o))) + "'";
    }

    /** {@code type.__qualname__} of a type object, best effort ({@code "?"}); leaves no error set. */
    static String typeObjectName(MemorySegment type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = CApi.PyObject_GetAttrString(type, arena.allocateFrom("__qualname__"));
            if (name.equals(MemorySegment.NULL)) {
                CApi.PyErr_Clear();
                return "?";
            }
            try {
                String s = Texts.fromPython(name);
                if (s == null) {
                    CApi.PyErr_Clear();
                    return "?";
                }
                return s;
            } finally {
                CApi.Py_DecRef(name);
            }
        }
    }

    /** {@code o} with its reference count raised: a new reference to a borrowed object. */
    static MemorySegment newRef(MemorySegment o) {
        CApi.Py_IncRef(o);
        return o;
    }
}
