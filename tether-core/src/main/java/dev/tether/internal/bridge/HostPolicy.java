package dev.tether.internal.bridge;

import dev.tether.internal.protocol.Failures;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Which members of a Java object Python may reach through a proxy: the internal form of the public
 * {@code HostAccess}. Immutable; the member tables it decides are cached per class ({@link #table}), so a member
 * is decided once per class and policy, when a proxy of that class is first made in an interpreter.
 *
 * <h2>The rules, in order</h2>
 * <ol>
 *   <li>Only public instance members can be reached, through a public class or interface in a package its module
 *       exports ({@code MethodHandles.publicLookup()} decides; everything on the class path qualifies). Static
 *       members never are: a proxy stands for an object.</li>
 *   <li>A member the policy denies ({@code denyMember}) is refused.</li>
 *   <li>A <em>sensitive</em> member is refused unless the policy names it: a member of an object that is a
 *       {@code Class}, {@code ClassLoader}, {@code Runtime}, {@code ProcessBuilder}, {@code Process},
 *       {@code Thread}... ({@link #SENSITIVE_TYPES}) or of a class in reflection, method handles, the FFM API, JDK
 *       internals or Tether's internals ({@link #SENSITIVE_PACKAGES}), a member declared there, and
 *       {@code Object.getClass},
 *       {@code wait}, {@code notify}, {@code notifyAll}. Named means: an {@code allowMember} of it, an
 *       {@code allowClass} of a class that is itself sensitive that way (or {@code allowPackage} of its package),
 *       or an export annotation on the member.</li>
 *   <li>Otherwise the member is allowed if public access is on ({@code ALL}), if a declaration of it carries one of
 *       the export annotations ({@code EXPLICIT}), if the object is an instance of an allowed class or interface
 *       that has the member, if a declaration of it is in an allowed package, or if it is allowed by name.</li>
 * </ol>
 */
public final class HostPolicy {
    /** Objects that are any of these are sensitive: none of their members is reachable unless named. */
    static final List<Class<?>> SENSITIVE_TYPES = List.of(Class.class, ClassLoader.class, Runtime.class,
            ProcessBuilder.class, Process.class, ProcessHandle.class, Thread.class, ThreadGroup.class, Module.class,
            ModuleLayer.class, StackWalker.class, System.class);
    /** Members declared in these packages (and their subpackages) are sensitive. */
    static final List<String> SENSITIVE_PACKAGES = List.of("java.lang.reflect", "java.lang.invoke",
            "java.lang.foreign", "java.lang.instrument", "jdk.internal", "sun", "com.sun", "dev.tether.internal");
    /** Members of {@code Object} that are sensitive: reflection's entry point and the monitor methods. */
    static final Set<String> SENSITIVE_OBJECT_METHODS = Set.of("getClass", "wait", "notify", "notifyAll");

    private final String name;
    private final boolean admitsObjects;
    private final boolean publicAccess;
    private final List<Class<? extends Annotation>> annotations;
    private final Set<Class<?>> classes;
    private final Set<String> packages;
    private final Map<Class<?>, Set<String>> allowedMembers;
    private final Map<Class<?>, Set<String>> deniedMembers;
    private final ClassValue<HostClass> tables = new ClassValue<>() {
        @Override
        protected HostClass computeValue(Class<?> type) {
            return HostClass.of(HostPolicy.this, type);
        }
    };

    /**
     * A policy.
     *
     * @param name           how messages name it ({@code "HostAccess.EXPLICIT"})
     * @param admitsObjects  whether Java objects outside the conversion table cross as proxies at all
     * @param publicAccess   whether every public member is allowed (rule 4)
     * @param annotations    export annotations: a member carrying one is allowed
     * @param classes        allowed classes and interfaces
     * @param packages       allowed packages (exact names)
     * @param allowedMembers member names allowed per class (an instance of the class or a subclass)
     * @param deniedMembers  member names denied per class (an instance of the class or a subclass)
     */
    public HostPolicy(String name, boolean admitsObjects, boolean publicAccess,
                      List<Class<? extends Annotation>> annotations, Set<Class<?>> classes, Set<String> packages,
                      Map<Class<?>, Set<String>> allowedMembers, Map<Class<?>, Set<String>> deniedMembers) {
        this.name = Objects.requireNonNull(name, "name");
        this.admitsObjects = admitsObjects;
        this.publicAccess = publicAccess;
        this.annotations = List.copyOf(annotations);
        this.classes = Set.copyOf(classes);
        this.packages = Set.copyOf(packages);
        this.allowedMembers = Map.copyOf(allowedMembers);
        this.deniedMembers = Map.copyOf(deniedMembers);
    }

    /** How messages name this policy. */
    public String name() {
        return name;
    }

    /** Whether objects without a row in the conversion table cross into Python as proxies. */
    boolean admitsObjects() {
        return admitsObjects;
    }

    /** The member table of {@code type} under this policy, computed once. */
    HostClass table(Class<?> type) {
        return tables.get(type);
    }

    /**
     * Why the instance method or field {@code member} (one of its declarations; {@code declarations} are all of
     * them, most specific first) of an object of class {@code runtime} may not be reached, or null if it may.
     * Accessibility (rule 1) is the caller's: {@link HostClass} checks it when it makes the method handle.
     */
    String denial(Class<?> runtime, String memberName, List<? extends AnnotatedElement> declarations) {
        if (named(deniedMembers, runtime, memberName)) {
            return Failures.hostMemberDenied(name);
        }
        boolean annotated = declarations.stream().anyMatch(this::annotated);
        Class<?> sensitive = sensitivity(runtime, memberName, declarations);
        if (sensitive != null && !annotated && !namesSensitive(runtime, memberName, declarations)) {
            String cause = sensitive == Object.class ? "java.lang.Object." + memberName : sensitive.getName();
            return Failures.hostMemberSensitive(cause, sensitive.getName(), memberName);
        }
        if (publicAccess || annotated || named(allowedMembers, runtime, memberName)
                || inAllowedClass(runtime, memberName, declarations) || inAllowedPackage(declarations)) {
            return null;
        }
        return Failures.hostMemberNotAllowed(name, !annotations.isEmpty());
    }

    private boolean annotated(AnnotatedElement element) {
        for (Class<? extends Annotation> a : annotations) {
            if (element.isAnnotationPresent(a)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The class that makes the member sensitive: a sensitive type the object is, the declaring class in a
     * sensitive package, or {@code Object} for its sensitive methods; null if the member is not sensitive.
     */
    private static Class<?> sensitivity(Class<?> runtime, String memberName, List<? extends AnnotatedElement> decls) {
        for (Class<?> s : SENSITIVE_TYPES) {
            if (s.isAssignableFrom(runtime)) {
                return s;
            }
        }
        if (sensitivePackage(runtime.getPackageName()) != null) {
            return runtime; // a reflection object, a method handle, an FFM or internal object: all of it
        }
        for (AnnotatedElement d : decls) {
            Class<?> owner = declaringClass(d);
            if (sensitivePackage(owner.getPackageName()) != null) {
                return owner;
            }
            if (owner == Object.class && SENSITIVE_OBJECT_METHODS.contains(memberName)) {
                return Object.class;
            }
        }
        return null;
    }

    private static String sensitivePackage(String pkg) {
        for (String p : SENSITIVE_PACKAGES) {
            if (pkg.equals(p) || pkg.startsWith(p + ".")) {
                return p;
            }
        }
        return null;
    }

    /** Whether the policy names a sensitive member explicitly (see rule 3). */
    private boolean namesSensitive(Class<?> runtime, String memberName, List<? extends AnnotatedElement> decls) {
        if (named(allowedMembers, runtime, memberName)) {
            return true;
        }
        if (SENSITIVE_OBJECT_METHODS.contains(memberName)
                && decls.stream().anyMatch(d -> declaringClass(d) == Object.class)) {
            return false; // only allowMember names those
        }
        for (Class<?> allowed : classes) {
            if (allowed.isAssignableFrom(runtime) && isSensitiveClass(allowed)) {
                return true;
            }
        }
        if (packages.contains(runtime.getPackageName())) {
            return true;
        }
        for (AnnotatedElement d : decls) {
            String pkg = declaringClass(d).getPackageName();
            if (packages.contains(pkg) || classes.contains(declaringClass(d))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSensitiveClass(Class<?> type) {
        for (Class<?> s : SENSITIVE_TYPES) {
            if (s.isAssignableFrom(type)) {
                return true;
            }
        }
        return sensitivePackage(type.getPackageName()) != null;
    }

    private static boolean named(Map<Class<?>, Set<String>> members, Class<?> runtime, String memberName) {
        for (Map.Entry<Class<?>, Set<String>> e : members.entrySet()) {
            if (e.getValue().contains(memberName) && e.getKey().isAssignableFrom(runtime)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the object is an instance of an allowed class or interface that has the member. */
    private boolean inAllowedClass(Class<?> runtime, String memberName, List<? extends AnnotatedElement> decls) {
        for (Class<?> allowed : classes) {
            if (allowed.isAssignableFrom(runtime) && hasMember(allowed, memberName, decls)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasMember(Class<?> type, String memberName, List<? extends AnnotatedElement> decls) {
        AnnotatedElement first = decls.getFirst();
        try {
            if (first instanceof Method m) {
                type.getMethod(memberName, m.getParameterTypes());
            } else {
                type.getField(memberName);
            }
            return true;
        } catch (NoSuchMethodException | NoSuchFieldException e) {
            // an interface has no Object methods through getMethod: they are members of every object
            return first instanceof Method m && type.isInterface() && m.getDeclaringClass() == Object.class;
        }
    }

    private boolean inAllowedPackage(List<? extends AnnotatedElement> decls) {
        for (AnnotatedElement d : decls) {
            if (packages.contains(declaringClass(d).getPackageName())) {
                return true;
            }
        }
        return false;
    }

    private static Class<?> declaringClass(AnnotatedElement element) {
        return element instanceof Method m ? m.getDeclaringClass() : ((Field) element).getDeclaringClass();
    }

    @Override
    public String toString() {
        return name;
    }
}
