package dev.tether.internal.bridge;

import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;

/**
 * A Python callable passed where a Java method takes a functional interface ({@code Runnable},
 * {@code Function}, {@code Comparator}, a listener of the application's): a {@link Proxy} implementing the
 * interface whose single abstract method calls the Python callable, with its arguments and result converted by the
 * table. The Java side may keep it and call it from any thread, later: each call attaches as a
 * {@code PyObject} operation does, and fails with {@code INTERPRETER_CLOSED} once the interpreter is gone. It holds
 * the callable through a public object, so the reference is released when Java forgets the implementation.
 */
final class PythonImplementations {
    private PythonImplementations() {}

    /** The single abstract method of {@code type} if it is a functional interface, else null. */
    static Method functionalMethod(Class<?> type) {
        if (!type.isInterface() || !Modifier.isPublic(type.getModifiers())) {
            return null;
        }
        Method found = null;
        for (Method m : type.getMethods()) {
            if (!Modifier.isAbstract(m.getModifiers()) || isObjectMethod(m)) {
                continue;
            }
            if (found != null && !sameSignature(found, m)) {
                return null;
            }
            found = m;
        }
        return found;
    }

    /** A new Java implementation of the functional interface {@code type} calling {@code callable} (borrowed). */
    static Object implement(InterpreterImpl interpreter, MemorySegment callable, Class<?> type) {
        Method sam = functionalMethod(type);
        Ref ref = new Ref(interpreter, PyTypes.newRef(callable));
        Object owner = Bridge.publisher().object(ref); // its Cleaner releases the callable with this proxy
        InvocationHandler handler = (proxy, method, args) -> {
            if (isObjectMethod(method)) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> "Python implementation of " + type.getName() + " (" + owner + ")";
                };
            }
            if (!sameSignature(method, sam)) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            Object result = PyOps.callToJava(ref, args == null ? new Object[0] : args, null);
            return coerce(result, method.getReturnType(), type);
        };
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
    }

    /** A converted Python result as the method's return type, numbers range-checked. */
    private static Object coerce(Object value, Class<?> returnType, Class<?> type) {
        if (returnType == void.class) {
            return null;
        }
        if (value == null) {
            if (returnType.isPrimitive()) {
                throw Failures.expectedKind("a Java " + returnType.getName() + " from the Python implementation of "
                        + type.getName(), "None");
            }
            return null;
        }
        Class<?> primitive = returnType.isPrimitive() ? returnType
                : java.lang.invoke.MethodType.methodType(returnType).unwrap().returnType();
        if (primitive.isPrimitive()) {
            try {
                return Overloads.primitiveValue(value, primitive);
            } catch (dev.tether.ConversionException e) {
                throw Failures.expectedKind("a Java " + primitive.getName() + " from the Python implementation of "
                        + type.getName(), value.getClass().getSimpleName() + " " + value);
            }
        }
        if (!returnType.isInstance(value)) {
            throw Failures.expectedKind("a " + returnType.getName() + " from the Python implementation of "
                    + type.getName(), value.getClass().getName());
        }
        return value;
    }

    private static boolean isObjectMethod(Method m) {
        try {
            Object.class.getMethod(m.getName(), m.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static boolean sameSignature(Method a, Method b) {
        return a.getName().equals(b.getName()) && java.util.Arrays.equals(a.getParameterTypes(), b.getParameterTypes());
    }
}
