package dev.tether.internal.bridge;

import dev.tether.internal.protocol.Failures;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What Python can reach on objects of one Java class under one {@link HostPolicy}: method groups (overloads of
 * one name), properties (public fields, and bean getters and setters), and the names that exist but are refused,
 * each with its message. Computed once per class and policy ({@link HostPolicy#table}); the Python type of the
 * class in each interpreter is built from it ({@link ObjectSpace}).
 *
 * <p>A method is invoked through an accessible declaration of it ({@code MethodHandles.publicLookup()}): a public
 * class or interface in an exported package. Dispatch is virtual, so a public interface method of a private class
 * (a lambda, an {@code ImmutableCollections} list) runs the object's own implementation.
 */
final class HostClass {
    /** Python keywords that are legal Java identifiers: such a member is also reachable as {@code name_}. */
    private static final Set<String> PYTHON_KEYWORDS = Set.of("and", "as", "assert", "async", "await", "def",
            "del", "elif", "except", "from", "global", "in", "is", "lambda", "nonlocal", "not", "or", "pass",
            "raise", "with", "yield", "None", "True", "False");
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.publicLookup();

    final HostPolicy policy;
    final Class<?> type;
    /** Allowed methods by Python name (aliases for keywords included). */
    final Map<String, Group> methods = new LinkedHashMap<>();
    /** Allowed fields and bean properties by name, where no method has that name. */
    final Map<String, Property> properties = new LinkedHashMap<>();
    /** Names that exist but may not be reached, with the message Python gets. */
    final Map<String, String> denied = new LinkedHashMap<>();

    private HostClass(HostPolicy policy, Class<?> type) {
        this.policy = policy;
        this.type = type;
    }

    /** An overload of a method: an accessible declaration and its spread handle. */
    static final class Invocable {
        final Method method;
        final Class<?>[] params;
        /** {@code (Object target, Object[] args)Object}. */
        final MethodHandle handle;

        Invocable(Method method, MethodHandle direct) {
            this.method = method;
            this.params = method.getParameterTypes();
            MethodHandle fixed = direct.asFixedArity(); // a varargs method takes its array as one argument
            this.handle = fixed.asType(fixed.type().generic()).asSpreader(1, Object[].class, params.length)
                    .asType(MethodType.methodType(Object.class, Object.class, Object[].class));
        }

        Object invoke(Object target, Object[] args) throws Throwable {
            return handle.invokeExact(target, args);
        }

        /** {@code add(long)}: how messages name it. */
        String signature() {
            return HostClass.signature(method);
        }
    }

    /** The overloads of one method name. */
    static final class Group {
        final String name;
        final Invocable[] candidates;
        /** The overloads of this name that are refused, as {@code signature: reason}, for messages. */
        final List<String> refused;

        Group(String name, List<Invocable> candidates, List<String> refused) {
            this.name = name;
            this.candidates = candidates.toArray(Invocable[]::new);
            this.refused = List.copyOf(refused);
        }
    }

    /** A field, or a bean property (getter and setters). */
    static final class Property {
        final String name;
        /** {@code (Object)Object}, or null if not readable. */
        final MethodHandle getter;
        /** A field's {@code (Object, Object)void}, or null. */
        final MethodHandle fieldSetter;
        final Class<?> fieldType;
        /** A bean's setters (overloads of {@code setName}), or null. */
        final Group setters;

        Property(String name, MethodHandle getter, MethodHandle fieldSetter, Class<?> fieldType, Group setters) {
            this.name = name;
            this.getter = getter;
            this.fieldSetter = fieldSetter;
            this.fieldType = fieldType;
            this.setters = setters;
        }
    }

    /**
     * The table of {@code type}.
     *
     * <ol>
     *   <li>Collect every public instance method of the class and its supertypes by signature, and the static
     *       names (refused, with their reason).</li>
     *   <li>Decide each signature: accessible through a public declaration, then the policy.</li>
     *   <li>Fields, most specific first; a method of the same name wins.</li>
     *   <li>Bean properties from allowed getters ({@code getX}, {@code isX}) and setters, where nothing else has
     *       the name.</li>
     * </ol>
     */
    static HostClass of(HostPolicy policy, Class<?> type) {
        HostClass table = new HostClass(policy, type);
        List<Class<?>> hierarchy = hierarchy(type);
        Map<String, List<Method>> bySignature = new LinkedHashMap<>();
        Set<String> statics = new LinkedHashSet<>();
        for (Class<?> c : hierarchy) {
            for (Method m : declaredMethods(c)) {
                if (!Modifier.isPublic(m.getModifiers())) {
                    continue;
                }
                if (Modifier.isStatic(m.getModifiers())) {
                    statics.add(m.getName());
                    continue;
                }
                bySignature.computeIfAbsent(m.getName() + Arrays.toString(m.getParameterTypes()),
                        k -> new ArrayList<>()).add(m);
            }
        }
        table.decideMethods(bySignature);
        table.decideFields(hierarchy);
        table.addBeanProperties();
        for (String name : statics) {
            table.denied.putIfAbsent(name, Failures.hostAccessDenied(type.getName(), name,
                    Failures.hostMemberStatic()));
        }
        return table;
    }

    private void decideMethods(Map<String, List<Method>> bySignature) {
        Map<String, List<Invocable>> allowed = new LinkedHashMap<>();
        Map<String, List<String>> refused = new LinkedHashMap<>();
        Map<String, String> firstReason = new LinkedHashMap<>();
        for (List<Method> declarations : bySignature.values()) {
            String name = declarations.getFirst().getName();
            if (isDunder(name)) {
                continue;
            }
            MethodHandle handle = null;
            Method accessible = null;
            for (Method m : declarations) {
                try {
                    handle = LOOKUP.unreflect(m);
                    accessible = m;
                    break;
                } catch (IllegalAccessException e) {
                    // not through this declaration; try a public supertype's
                }
            }
            String reason = accessible == null
                    ? Failures.hostMemberInaccessible(declarations.getFirst().getDeclaringClass().getName())
                    : policy.denial(type, name, declarations);
            if (reason == null) {
                allowed.computeIfAbsent(name, k -> new ArrayList<>()).add(new Invocable(accessible, handle));
            } else {
                Method m = declarations.getFirst();
                refused.computeIfAbsent(name, k -> new ArrayList<>()).add(signature(m) + ": " + reason);
                firstReason.putIfAbsent(name, reason);
            }
        }
        for (Map.Entry<String, List<Invocable>> e : allowed.entrySet()) {
            Group group = new Group(e.getKey(), e.getValue(), refused.getOrDefault(e.getKey(), List.of()));
            methods.put(e.getKey(), group);
            if (PYTHON_KEYWORDS.contains(e.getKey())) {
                methods.put(e.getKey() + "_", group);
            }
        }
        firstReason.forEach((name, reason) -> {
            if (!methods.containsKey(name)) {
                denied.put(name, Failures.hostAccessDenied(type.getName(), name, reason));
            }
        });
    }

    private void decideFields(List<Class<?>> hierarchy) {
        Set<String> seen = new LinkedHashSet<>();
        for (Class<?> c : hierarchy) {
            for (Field f : declaredFields(c)) {
                int mod = f.getModifiers();
                if (!Modifier.isPublic(mod) || !seen.add(f.getName()) || isDunder(f.getName())
                        || methods.containsKey(f.getName())) {
                    continue;
                }
                if (Modifier.isStatic(mod)) {
                    denied.putIfAbsent(f.getName(), Failures.hostAccessDenied(type.getName(), f.getName(),
                            Failures.hostMemberStatic()));
                    continue;
                }
                decideField(f);
            }
        }
    }

    private void decideField(Field f) {
        MethodHandle getter;
        MethodHandle setter = null;
        try {
            getter = LOOKUP.unreflectGetter(f);
            if (!Modifier.isFinal(f.getModifiers())) {
                setter = LOOKUP.unreflectSetter(f);
            }
        } catch (IllegalAccessException e) {
            denied.put(f.getName(), Failures.hostAccessDenied(type.getName(), f.getName(),
                    Failures.hostMemberInaccessible(f.getDeclaringClass().getName())));
            return;
        }
        String reason = policy.denial(type, f.getName(), List.<AnnotatedElement>of(f));
        if (reason != null) {
            denied.put(f.getName(), Failures.hostAccessDenied(type.getName(), f.getName(), reason));
            return;
        }
        properties.put(f.getName(), new Property(f.getName(),
                getter.asType(MethodType.methodType(Object.class, Object.class)),
                setter == null ? null : setter.asType(MethodType.methodType(void.class, Object.class, Object.class)),
                f.getType(), null));
    }

    private void addBeanProperties() {
        for (Group group : List.copyOf(methods.values())) {
            String property = beanName(group.name);
            if (property == null || methods.containsKey(property) || properties.containsKey(property)) {
                continue;
            }
            Invocable getter = null;
            for (Invocable c : group.candidates) {
                boolean bool = group.name.startsWith("is");
                if (c.params.length == 0 && (bool ? c.method.getReturnType() == boolean.class
                        : c.method.getReturnType() != void.class)) {
                    getter = c;
                }
            }
            if (getter == null) {
                continue;
            }
            Group setters = methods.get("set" + group.name.substring(group.name.startsWith("is") ? 2 : 3));
            if (setters != null && Arrays.stream(setters.candidates).noneMatch(c -> c.params.length == 1)) {
                setters = null;
            }
            properties.put(property, new Property(property, spreadNone(getter), null, null, setters));
            denied.remove(property); // an allowed getter wins over a refused field of the same name
        }
        for (Map.Entry<String, String> e : List.copyOf(denied.entrySet())) {
            // a refused getter leaves its property name refused too, with the getter's message
            String property = beanName(e.getKey());
            if (property != null && !methods.containsKey(property) && !properties.containsKey(property)) {
                denied.putIfAbsent(property, e.getValue());
            }
        }
    }

    /** {@code add(long)}: how messages name a method. */
    static String signature(Method m) {
        return m.getName() + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName)
                .collect(Collectors.joining(", ", "(", ")"));
    }

    /** {@code (Object target)Object} calling a no-argument invocable. */
    private static MethodHandle spreadNone(Invocable getter) {
        return MethodHandles.insertArguments(getter.handle, 1, (Object) new Object[0]);
    }

    /** {@code getName} → {@code name}, {@code isOpen} → {@code open}, {@code getURL} → {@code URL}; else null. */
    static String beanName(String method) {
        String rest;
        if (method.startsWith("get") && method.length() > 3) {
            rest = method.substring(3);
        } else if (method.startsWith("is") && method.length() > 2) {
            rest = method.substring(2);
        } else {
            return null;
        }
        if (!Character.isUpperCase(rest.charAt(0))) {
            return null;
        }
        if (rest.length() > 1 && Character.isUpperCase(rest.charAt(1))) {
            return rest;
        }
        return Character.toLowerCase(rest.charAt(0)) + rest.substring(1);
    }

    private static boolean isDunder(String name) {
        return name.startsWith("__") && name.endsWith("__");
    }

    /** The class, its superclasses, then every interface they implement (breadth first). */
    static List<Class<?>> hierarchy(Class<?> type) {
        Set<Class<?>> result = new LinkedHashSet<>();
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            result.add(c);
        }
        List<Class<?>> queue = new ArrayList<>(result);
        for (int i = 0; i < queue.size(); i++) {
            for (Class<?> itf : queue.get(i).getInterfaces()) {
                if (result.add(itf)) {
                    queue.add(itf);
                }
            }
        }
        if (type.isInterface()) {
            result.add(Object.class);
        }
        return List.copyOf(result);
    }

    private static Method[] declaredMethods(Class<?> c) {
        try {
            return c.getDeclaredMethods();
        } catch (LinkageError e) {
            return new Method[0]; // a signature names a class that cannot be loaded: nothing of c is reachable
        }
    }

    private static Field[] declaredFields(Class<?> c) {
        try {
            return c.getDeclaredFields();
        } catch (LinkageError e) {
            return new Field[0];
        }
    }
}
