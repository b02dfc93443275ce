package dev.tether.internal.bridge;

import dev.tether.internal.bridge.HostClass.Group;
import dev.tether.internal.bridge.HostClass.Property;
import dev.tether.internal.bridge.ObjectSpace.Entry;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The Java functions of proxies: the members of each Java class's Python class ({@link #makeType}), and those
 * every proxy shares through {@code JavaObject} ({@code __getattr__} for refused and missing names,
 * {@code __setattr__} for fields and setters, {@code __str__}/{@code __repr__}/{@code __eq__}/{@code __hash__}
 * from {@code toString}/{@code equals}/{@code hashCode}) and {@code JavaType} ({@code isinstance} by the Java
 * hierarchy). Each body runs in an upcall ({@link HostCalls}), attached.
 */
final class Proxies {
    private Proxies() {}

    /** The Python class of objects of {@code table}'s Java class (a new reference). */
    static MemorySegment makeType(ObjectSpace space, HostClass table) {
        InterpreterImpl interpreter = space.interpreter;
        Map<String, MemorySegment> members = new LinkedHashMap<>();
        Map<String, MemorySegment> getters = new LinkedHashMap<>();
        try {
            table.methods.forEach((name, group) -> members.put(name, HostCalls.method(interpreter, name,
                    (args, n) -> call(space, table, group, args, n))));
            table.properties.forEach((name, property) -> {
                if (property.getter != null) {
                    getters.put(name, HostCalls.function(interpreter, name, true,
                            (args, n) -> get(space, table, property, args, n)));
                }
            });
            String binary = table.type.getName();
            String module = table.type.getPackageName();
            String qualname = (module.isEmpty() ? binary : binary.substring(module.length() + 1)).replace('$', '.');
            String name = qualname.substring(qualname.lastIndexOf('.') + 1);
            MemorySegment[] args = {text(name), text(qualname), text(module.isEmpty() ? "java" : module),
                text(binary), ObjectSpace.dict(members), ObjectSpace.dict(getters)};
            try {
                return space.callHelper("java_class_type", args);
            } finally {
                for (MemorySegment a : args) {
                    CApi.Py_DecRef(a);
                }
            }
        } finally {
            members.values().forEach(CApi::Py_DecRef);
            getters.values().forEach(CApi::Py_DecRef);
        }
    }

    /** What {@code JavaObject} gets from Java. */
    static Map<String, MemorySegment> baseMembers(ObjectSpace space) {
        InterpreterImpl i = space.interpreter;
        Map<String, MemorySegment> m = new LinkedHashMap<>();
        m.put("__getattr__", HostCalls.method(i, "__getattr__", (args, n) -> getattr(space, args, n)));
        m.put("__setattr__", HostCalls.method(i, "__setattr__", (args, n) -> setattr(space, args, n)));
        m.put("__str__", HostCalls.method(i, "__str__", (args, n) -> text(String.valueOf(self(space, args, n,
                "__str__").target))));
        m.put("__repr__", HostCalls.method(i, "__repr__", (args, n) -> text(String.valueOf(self(space, args, n,
                "__repr__").target))));
        m.put("__eq__", HostCalls.method(i, "__eq__", (args, n) -> equal(space, args, n)));
        m.put("__hash__", HostCalls.method(i, "__hash__", (args, n) -> check(CApi.PyLong_FromLongLong(
                Objects.hashCode(self(space, args, n, "__hash__").target)))));
        return m;
    }

    /** What the metaclass {@code JavaType} gets from Java. */
    static Map<String, MemorySegment> typeMembers(ObjectSpace space) {
        InterpreterImpl i = space.interpreter;
        Map<String, MemorySegment> m = new LinkedHashMap<>();
        m.put("__instancecheck__", HostCalls.method(i, "__instancecheck__", (args, n) -> {
            Class<?> type = n == 2 ? space.javaClassOf(HostCalls.arg(args, 0)) : null;
            Entry e = n == 2 ? space.entry(HostCalls.arg(args, 1)) : null;
            return bool(type != null && e != null && type.isInstance(e.target));
        }));
        m.put("__subclasscheck__", HostCalls.method(i, "__subclasscheck__", (args, n) -> {
            Class<?> type = n == 2 ? space.javaClassOf(HostCalls.arg(args, 0)) : null;
            Class<?> sub = n == 2 ? space.javaClassOf(HostCalls.arg(args, 1)) : null;
            return bool(type != null && sub != null && type.isAssignableFrom(sub));
        }));
        return m;
    }

    /** The registration of the receiver ({@code args[0]}), or a TypeError. */
    static Entry self(ObjectSpace space, MemorySegment args, long n, String function) {
        if (space.isClosed()) {
            throw new IllegalStateException(Failures.spaceClosed(space.interpreter)); // a RuntimeError in Python
        }
        Entry e = n < 1 ? null : space.entry(HostCalls.arg(args, 0));
        if (e == null) {
            throw PyRaise.typeError(Failures.notAProxy(function));
        }
        return e;
    }

    private static MemorySegment call(ObjectSpace space, HostClass table, Group group, MemorySegment args, long n)
            throws Throwable {
        Entry e = self(space, args, n, group.name);
        if (!table.type.isInstance(e.target)) {
            throw PyRaise.typeError(Failures.wrongReceiver(table.type.getName(), group.name,
                    e.target.getClass().getName()));
        }
        return Overloads.call(space, table, group, e.target, args, 1, n - 1);
    }

    private static MemorySegment get(ObjectSpace space, HostClass table, Property property, MemorySegment args,
                                     long n) throws Throwable {
        Entry e = self(space, args, n, property.name);
        if (!table.type.isInstance(e.target)) {
            throw PyRaise.typeError(Failures.wrongReceiver(table.type.getName(), property.name,
                    e.target.getClass().getName()));
        }
        return ToPython.convert(space.interpreter, (Object) property.getter.invokeExact(e.target));
    }

    private static MemorySegment getattr(ObjectSpace space, MemorySegment args, long n) {
        Entry e = self(space, args, n, "__getattr__");
        String name = n == 2 ? attributeName(space, HostCalls.arg(args, 1)) : "?";
        String refused = e.table == null || name.startsWith("__") ? null : e.table.denied.get(name);
        if (refused != null) {
            throw new PyRaise(PyRaise.Kind.HOST_ACCESS_ERROR, refused);
        }
        throw new PyRaise(PyRaise.Kind.ATTRIBUTE_ERROR, Failures.noSuchJavaMember(e.target.getClass().getName(),
                name));
    }

    private static MemorySegment setattr(ObjectSpace space, MemorySegment args, long n) throws Throwable {
        Entry e = self(space, args, n, "__setattr__");
        if (n != 3) {
            throw PyRaise.typeError("__setattr__ takes a name and a value");
        }
        String name = attributeName(space, HostCalls.arg(args, 1));
        String type = e.target.getClass().getName();
        HostClass table = e.table;
        Property property = table == null ? null : table.properties.get(name);
        if (property != null && property.fieldSetter != null) {
            Object value = Overloads.convert(space, HostCalls.arg(args, 2), property.fieldType, type + "." + name, 0);
            property.fieldSetter.invokeExact(e.target, value);
            return PyTypes.newRef(CApi.Py_None);
        }
        if (property != null && property.setters != null) {
            CApi.Py_DecRef(Overloads.call(space, table, property.setters, e.target, args, 2, 1));
            return PyTypes.newRef(CApi.Py_None);
        }
        String refused = table == null ? null : table.denied.get(name);
        if (refused != null) {
            throw new PyRaise(PyRaise.Kind.HOST_ACCESS_ERROR, refused);
        }
        if (property != null || (table != null && table.methods.containsKey(name))) {
            throw new PyRaise(PyRaise.Kind.ATTRIBUTE_ERROR, Failures.notWritable(type, name));
        }
        throw new PyRaise(PyRaise.Kind.ATTRIBUTE_ERROR, Failures.noSuchJavaMember(type, name));
    }

    private static MemorySegment equal(ObjectSpace space, MemorySegment args, long n) {
        Entry e = self(space, args, n, "__eq__");
        Entry other = n == 2 ? space.entry(HostCalls.arg(args, 1)) : null;
        if (other == null) {
            return PyTypes.newRef(CApi.Py_NotImplemented);
        }
        return bool(Objects.equals(e.target, other.target));
    }

    private static String attributeName(ObjectSpace space, MemorySegment name) {
        if (!PyTypes.isInstance(name, CApi.PyUnicode_Type)) {
            throw PyRaise.typeError("attribute name must be a str, not " + PyTypes.typeName(name));
        }
        return ToJava.string(space.interpreter, name);
    }

    static MemorySegment bool(boolean value) {
        return PyTypes.newRef(value ? CApi.Py_True : CApi.Py_False);
    }

    private static MemorySegment text(String s) {
        return check(Texts.toPython(s));
    }

    private static MemorySegment check(MemorySegment created) {
        return ToPython.check(created);
    }
}
