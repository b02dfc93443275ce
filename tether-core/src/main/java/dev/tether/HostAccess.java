package dev.tether;

import dev.tether.internal.bridge.HostPolicy;
import java.lang.annotation.Annotation;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Which Java objects may cross into Python as proxies, and which of their members Python may reach: the policy of
 * a runtime ({@link PythonRuntime.Builder#hostAccess(HostAccess)}). Closed by default: under {@link #NONE} only
 * the values of the <a href="PyObject.html#conversions">conversion table</a> and callables cross.
 *
 * {@snippet class=dev.tether.snippets.ApiSnippets region=hostAccessClass}
 * {@snippet class=dev.tether.snippets.ApiSnippets region=hostAccess}
 *
 * <h2 id="policies">Policies</h2>
 * <table class="striped">
 *   <caption>The predefined policies</caption>
 *   <thead><tr><th>Policy</th><th>Other Java objects</th><th>Members Python may reach</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@link #NONE} (default)</td><td>refused ({@link ConversionException})</td><td>none</td></tr>
 *     <tr><td>{@link #EXPLICIT}</td><td>proxies</td><td>public members annotated {@link Export @Export}</td></tr>
 *     <tr><td>{@link #ALL}</td><td>proxies</td><td>every public member (for trusted code only)</td></tr>
 *     <tr><td>{@link #builder()}</td><td>proxies</td><td>members of the classes, interfaces and packages
 *         allowed, by name, minus those denied</td></tr>
 *   </tbody>
 * </table>
 *
 * <h2 id="rules">Rules every policy keeps</h2>
 * <ul>
 *   <li>Only public instance members reachable through a public class or interface of a package its module
 *       exports (everything on the class path): fields (read, and written unless final), bean getters and setters
 *       as attributes ({@code getName()} is also {@code name}), methods. Static members never are.</li>
 *   <li>{@code java.lang.Class}, reflection objects ({@code java.lang.reflect}), method handles, the FFM API,
 *       {@code ClassLoader}, {@code Runtime}, {@code ProcessBuilder}, {@code Process}, {@code Thread},
 *       {@code System}, JDK internals, and {@code Object.getClass}/{@code wait}/{@code notify}/{@code notifyAll}
 *       are never reachable through a proxy unless the policy names them explicitly
 *       ({@link Builder#allowMember(Class, String)}, {@link Builder#allowClass(Class)} of such a class, or an
 *       {@code @Export} on the member). So neither {@code obj.getClass().forName(...)} nor
 *       {@code Runtime.getRuntime().exec(...)} nor {@code System.exit} is reachable under {@link #ALL}.</li>
 *   <li>A proxy's {@code str}, {@code repr}, {@code ==} and {@code hash} always use {@code toString},
 *       {@code equals} and {@code hashCode}.</li>
 *   <li>Members are decided when a proxy's member is looked up, once per class (the policy is immutable); a
 *       refused member raises the Python exception {@code tether.HostAccessError} (an {@code AttributeError})
 *       naming the class, the member and why; a member that does not exist raises {@code AttributeError}.</li>
 * </ul>
 * The policy governs what Python reaches through Tether. It does not sandbox Python: Python code can still use its
 * own standard library ({@code os}, {@code ctypes}...). Run untrusted Python in a separate process.
 *
 * <h2 id="thread-safety">Thread safety</h2>
 * Policies are immutable and may be shared; the {@link Builder} is not thread-safe.
 */
public final class HostAccess {
    /** Only the values of the conversion table and callables cross; any other Java object is refused. */
    public static final HostAccess NONE = new HostAccess(new HostPolicy("HostAccess.NONE", false, false,
            List.of(), Set.of(), Set.of(), Map.of(), Map.of()));
    /** Java objects cross as proxies; Python reaches their public members annotated {@link Export @Export}. */
    public static final HostAccess EXPLICIT = new HostAccess(new HostPolicy("HostAccess.EXPLICIT", true, false,
            List.of(Export.class), Set.of(), Set.of(), Map.of(), Map.of()));
    /**
     * Java objects cross as proxies; Python reaches every public member of a public class in an exported package,
     * except the sensitive ones (<a href="#rules">Rules</a>). For trusted Python code only.
     */
    public static final HostAccess ALL = new HostAccess(new HostPolicy("HostAccess.ALL", true, true,
            List.of(), Set.of(), Set.of(), Map.of(), Map.of()));

    private final HostPolicy policy;

    private HostAccess(HostPolicy policy) {
        this.policy = policy;
    }

    /** A builder of a policy that allows nothing until told. */
    public static Builder builder() {
        return new Builder();
    }

    HostPolicy policy() {
        return policy;
    }

    /** The policy's name ({@code HostAccess.EXPLICIT}), or a summary of what a built one allows. */
    @Override
    public String toString() {
        return policy.name();
    }

    /**
     * Marks a public method or field that Python may reach under {@link #EXPLICIT} (or a policy built with
     * {@link Builder#allowAnnotatedBy(Class)} of this annotation). On a method it counts for every override of
     * it in the object's class.
     */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.METHOD, ElementType.FIELD})
    public @interface Export {}

    /**
     * Builds a policy: Java objects cross as proxies, and Python reaches the members allowed here (and none of the
     * sensitive ones unless named, see <a href="HostAccess.html#rules">Rules</a>). Not thread-safe; plain setters,
     * checked when built.
     */
    public static final class Builder {
        private boolean publicAccess;
        private final List<Class<? extends Annotation>> annotations = new ArrayList<>();
        private final Set<Class<?>> classes = new LinkedHashSet<>();
        private final Set<String> packages = new LinkedHashSet<>();
        private final Map<Class<?>, Set<String>> allowed = new HashMap<>();
        private final Map<Class<?>, Set<String>> denied = new HashMap<>();
        private final List<String> summary = new ArrayList<>();

        private Builder() {}

        /** Allows every public member, as {@link HostAccess#ALL} does (denials still apply). */
        public Builder allowPublicAccess(boolean allow) {
            this.publicAccess = allow;
            summary.add("allowPublicAccess(" + allow + ")");
            return this;
        }

        /** Allows the public members annotated with {@code annotation} (it must be retained at run time). */
        public Builder allowAnnotatedBy(Class<? extends Annotation> annotation) {
            Objects.requireNonNull(annotation, "annotation");
            Retention retention = annotation.getAnnotation(Retention.class);
            if (retention == null || retention.value() != RetentionPolicy.RUNTIME) {
                throw new IllegalArgumentException(annotation.getName() + " is not retained at run time");
            }
            annotations.add(annotation);
            summary.add("allowAnnotatedBy(" + annotation.getSimpleName() + ")");
            return this;
        }

        /**
         * Allows the public members of {@code type} (a class or an interface) on objects that are instances of it:
         * those it declares and those it inherits. An object of a subclass is reached only through the members it
         * has as a {@code type}.
         */
        public Builder allowClass(Class<?> type) {
            classes.add(Objects.requireNonNull(type, "type"));
            summary.add("allowClass(" + type.getName() + ")");
            return this;
        }

        /** Allows the public members declared by the public classes and interfaces of a package (not subpackages). */
        public Builder allowPackage(String packageName) {
            packages.add(Objects.requireNonNull(packageName, "packageName"));
            summary.add("allowPackage(" + packageName + ")");
            return this;
        }

        /**
         * Allows the members named {@code name} (every overload; a field; a bean property through its getter and
         * setter names) of objects that are instances of {@code type}. This also names a sensitive member
         * explicitly ({@code allowMember(Object.class, "getClass")}).
         */
        public Builder allowMember(Class<?> type, String name) {
            allowed.computeIfAbsent(Objects.requireNonNull(type, "type"), k -> new HashSet<>())
                    .add(Objects.requireNonNull(name, "name"));
            summary.add("allowMember(" + type.getSimpleName() + ", " + name + ")");
            return this;
        }

        /** Denies the members named {@code name} of instances of {@code type}, whatever else allows them. */
        public Builder denyMember(Class<?> type, String name) {
            denied.computeIfAbsent(Objects.requireNonNull(type, "type"), k -> new HashSet<>())
                    .add(Objects.requireNonNull(name, "name"));
            summary.add("denyMember(" + type.getSimpleName() + ", " + name + ")");
            return this;
        }

        /** The policy. */
        public HostAccess build() {
            String name = "HostAccess.builder()" + (summary.isEmpty() ? "" : "." + String.join(".", summary));
            return new HostAccess(new HostPolicy(name, true, publicAccess, annotations, classes, packages, allowed,
                    denied));
        }
    }
}
