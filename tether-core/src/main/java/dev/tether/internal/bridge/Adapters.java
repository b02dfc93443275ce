package dev.tether.internal.bridge;

import dev.tether.PythonCallable;
import dev.tether.internal.protocol.Failures;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The common functional interfaces as Python callables: each takes exactly its number of positional arguments
 * (a wrong count raises a Python {@code ValueError} naming the interface).
 */
final class Adapters {
    private Adapters() {}

    @SuppressWarnings({"unchecked", "rawtypes"})
    static PythonCallable adapt(Object f) {
        return switch (f) {
            case Function fn -> (args, kwargs) -> fn.apply(only(args, kwargs, 1, "Function")[0]);
            case BiFunction fn -> (args, kwargs) -> {
                Object[] a = only(args, kwargs, 2, "BiFunction");
                return fn.apply(a[0], a[1]);
            };
            case Supplier s -> (args, kwargs) -> {
                only(args, kwargs, 0, "Supplier");
                return s.get();
            };
            case Callable c -> (args, kwargs) -> {
                only(args, kwargs, 0, "Callable");
                return c.call();
            };
            case Runnable r -> (args, kwargs) -> {
                only(args, kwargs, 0, "Runnable");
                r.run();
                return null;
            };
            case Consumer c -> (args, kwargs) -> {
                c.accept(only(args, kwargs, 1, "Consumer")[0]);
                return null;
            };
            case BiConsumer c -> (args, kwargs) -> {
                Object[] a = only(args, kwargs, 2, "BiConsumer");
                c.accept(a[0], a[1]);
                return null;
            };
            case Predicate p -> (args, kwargs) -> p.test(only(args, kwargs, 1, "Predicate")[0]);
            default -> null;
        };
    }

    private static Object[] only(List<Object> args, Map<String, Object> kwargs, int arity, String kind) {
        if (!kwargs.isEmpty() || args.size() != arity) {
            throw Failures.wrongArity(kind, arity, args.size(), kwargs.keySet());
        }
        return args.toArray();
    }
}
