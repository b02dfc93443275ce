package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.tether.ConversionException;
import dev.tether.PythonCallable;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/**
 * Java values to Python objects: the Java-to-Python half of the conversion table ({@code docs/guide.md}, section
 * "Conversions"). Scalars are converted here; collections, maps and arrays by {@link JavaContainers}, at any depth.
 * Any other Java object becomes a proxy ({@link ObjectSpace}) if the host access policy admits objects. Requires a
 * thread state of the interpreter attached. Failures throw {@link ConversionException} and leave no Python error
 * set.
 */
final class ToPython {
    private ToPython() {}

    /** A new reference to the Python value of {@code value}. */
    static MemorySegment convert(InterpreterImpl interpreter, Object value) {
        MemorySegment leaf = leaf(interpreter, value);
        return leaf != null ? leaf : JavaContainers.convert(interpreter, value);
    }

    /**
     * A new reference to the Python value of {@code value} if it is not a container (a collection, a map or an
     * array other than {@code byte[]}); null if it is one.
     */
    static MemorySegment leaf(InterpreterImpl interpreter, Object value) {
        return switch (value) {
            case null -> PyTypes.newRef(CApi.Py_None);
            case Boolean b -> PyTypes.newRef(b ? CApi.Py_True : CApi.Py_False);
            case Long l -> check(CApi.PyLong_FromLongLong(l));
            case Integer i -> check(CApi.PyLong_FromLongLong(i));
            case Short s -> check(CApi.PyLong_FromLongLong(s));
            case Byte b -> check(CApi.PyLong_FromLongLong(b));
            case BigInteger big -> bigInteger(big);
            case Double d -> check(CApi.PyFloat_FromDouble(d));
            case Float f -> check(CApi.PyFloat_FromDouble(f));
            case String s -> check(Texts.toPython(s));
            case Character c -> check(Texts.toPython(String.valueOf(c)));
            case byte[] bytes -> bytes(bytes);
            default -> other(interpreter, value);
        };
    }

    /** Whether {@code value} converts as a container. */
    static boolean isContainer(Object value) {
        return value instanceof Collection<?> || value instanceof Map<?, ?> || value.getClass().isArray();
    }

    private static MemorySegment other(InterpreterImpl interpreter, Object value) {
        Ref ref = Bridge.publisher().refOf(value);
        if (ref != null) {
            return passThrough(interpreter, ref);
        }
        if (value instanceof PythonCallable callable) {
            return Callables.create(interpreter, callable, callable.toString());
        }
        if (isContainer(value)) {
            return null;
        }
        PythonCallable adapted = Adapters.adapt(value);
        if (adapted != null) {
            return Callables.create(interpreter, adapted, value.getClass().getName());
        }
        return ObjectSpace.wrap(interpreter, value); // a proxy, if the host access policy admits objects

    }

    private static MemorySegment passThrough(InterpreterImpl interpreter, Ref ref) {
        if (ref.interpreter != interpreter) {
            throw Failures.wrongInterpreter(ref.interpreter, interpreter);
        }
        if (!ref.acquire()) {
            throw Failures.closedObject(ref.interpreter);
        }
        try {
            return PyTypes.newRef(ref.address);
        } finally {
            ref.release();
        }
    }

    private static MemorySegment bigInteger(BigInteger big) {
        if (big.bitLength() < 64) {
            return check(CApi.PyLong_FromLongLong(big.longValue()));
        }
        try (Arena arena = Arena.ofConfined()) {
            return check(CApi.PyLong_FromString(arena.allocateFrom(big.toString(16)), MemorySegment.NULL, 16));
        }
    }

    private static MemorySegment bytes(byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = bytes.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_BYTE, bytes);
            return check(CApi.PyBytes_FromStringAndSize(data, bytes.length));
        }
    }

    /** {@code created}, or a conversion failure (with the Python error cleared) if CPython returned NULL. */
    static MemorySegment check(MemorySegment created) {
        if (created.equals(MemorySegment.NULL)) {
            CApi.PyErr_Clear();
            throw Failures.pythonValueNotCreated();
        }
        return created;
    }
}
