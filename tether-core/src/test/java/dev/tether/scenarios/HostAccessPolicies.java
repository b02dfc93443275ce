package dev.tether.scenarios;

import dev.tether.ConversionException;
import dev.tether.HostAccess;
import dev.tether.PythonCallable;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The host access policy, one policy per JVM (NONE, EXPLICIT, ALL, and a builder policy): at least 20 attempts
 * from Python to reach what the policy forbids (reflection through {@code getClass().forName}, a {@code Method}
 * returned by an allowed member, {@code Runtime.exec}, {@code System.exit} through {@code Runtime.exit},
 * {@code ProcessBuilder}, class loaders, threads, a field of a non-exported class, static members, members the
 * policy does not allow or denies), each refused with a Python exception naming the member; and the members the
 * policy allows work.
 */
public final class HostAccessPolicies extends Scenario {
    /** A service Java hands to Python. */
    public static class Service {
        public int publicField = 1;
        @HostAccess.Export
        public int exportedField = 2;

        @HostAccess.Export
        public String greet(String who) {
            return "hello " + who;
        }

        public String plain() {
            return "plain";
        }

        @HostAccess.Export
        public String secret() {
            return "secret";
        }

        @HostAccess.Export
        public Method exitMethod() throws NoSuchMethodException {
            return System.class.getMethod("exit", int.class);
        }

        @HostAccess.Export
        public Runtime runtime() {
            return Runtime.getRuntime();
        }

        @HostAccess.Export
        public ProcessBuilder processBuilder() {
            return new ProcessBuilder("true");
        }

        @HostAccess.Export
        public ThreadGroup threadGroup() {
            return Thread.currentThread().getThreadGroup();
        }

        @HostAccess.Export
        public ClassLoader loader() {
            return Service.class.getClassLoader();
        }

        @HostAccess.Export
        public Class<?> type() {
            return Service.class;
        }

        @HostAccess.Export
        public Object hidden() {
            return new Hidden();
        }

        public static String staticMethod() {
            return "static";
        }

        @Override
        public String toString() {
            return "Service";
        }
    }

    /** Not public: nothing of it is reachable under any policy. */
    static final class Hidden {
        public String secretField = "s";

        @HostAccess.Export
        public String leak() {
            return "leak";
        }
    }

    /** {expression, member it must name}; refused under every policy that lets {@code s} cross. */
    private static final String[][] ALWAYS_REFUSED = {
        {"s.getClass()", "getClass"},
        {"s.getClass().forName('java.lang.Runtime')", "getClass"},
        {"getattr(s, 'getClass')", "getClass"},
        {"s.wait()", "wait"},
        {"s.notifyAll()", "notifyAll"},
        {"s.exitMethod().invoke(None, 0)", "invoke"},
        {"s.exitMethod().setAccessible(True)", "setAccessible"},
        {"s.exitMethod().getDeclaringClass()", "getDeclaringClass"},
        {"s.runtime().exec('true')", "exec"},
        {"s.runtime().exit(0)", "exit"},
        {"s.runtime().halt(0)", "halt"},
        {"s.runtime().getClass()", "getClass"},
        {"s.processBuilder().start()", "start"},
        {"s.processBuilder().command()", "command"},
        {"s.threadGroup().interrupt()", "interrupt"},
        {"s.threadGroup().getParent()", "getParent"},
        {"s.loader().loadClass('java.lang.Runtime')", "loadClass"},
        {"s.type().getMethods()", "getMethods"},
        {"s.type().forName('java.lang.System')", "forName"},
        {"s.type().getClassLoader()", "getClassLoader"},
        {"s.hidden().secretField", "secretField"},
        {"s.hidden().leak()", "leak"},
        {"s.staticMethod()", "staticMethod"},
    };

    @Override
    protected void run(String[] args) throws Exception {
        String policy = args[0];
        HostAccess access = switch (policy) {
            case "NONE" -> HostAccess.NONE;
            case "EXPLICIT" -> HostAccess.EXPLICIT;
            case "ALL" -> HostAccess.ALL;
            default -> HostAccess.builder().allowClass(Service.class).denyMember(Service.class, "secret")
                    .allowMember(Runtime.class, "availableProcessors").build();
        };
        PythonRuntime python = PythonRuntime.builder().hostAccess(access).start();
        try (ThreadState ts = ThreadState.ensure(python.mainInterpreter())) {
            ts.exec(String.join("\n",
                    "def attempt(code, member):",
                    "    try:",
                    "        eval(code, scope)",
                    "    except Exception as e:",
                    "        return [type(e).__name__, str(e), member in str(e)]",
                    "    return ['allowed', '', False]",
                    ""));
            if (policy.equals("NONE")) {
                none(ts);
            } else {
                ts.exec("scope = {'s': None}");
                ts.globals().getItem("scope").setItem("s", new Service());
                refused(ts, policy, ALWAYS_REFUSED);
                allowed(ts, policy);
            }
        }
        python.close();
    }

    /**
     * Under NONE nothing but table values and callables cross, from either side; views still do. (A
     * {@code Thread} is a {@code Runnable}: by the table it crosses as a callable, under every policy.)
     */
    private void none(ThreadState ts) {
        List<Supplier<Object>> sources = List.of(Service::new, Runtime::getRuntime, () -> new ProcessBuilder("x"),
                () -> Service.class, () -> Thread.currentThread().getThreadGroup(), Service.class::getClassLoader,
                Hidden::new,
                () -> Thread.currentThread().getStackTrace()[0], () -> new StringBuilder("x"), Object::new);
        for (Supplier<Object> source : sources) {
            Object value = source.get();
            try {
                ts.toPython(value);
                count("unexpected");
            } catch (ConversionException e) {
                check(e.getMessage().contains(value.getClass().getName()) && e.getMessage().contains("hostAccess"),
                        "message: " + e.getMessage());
                count("refused");
            }
        }
        ts.exec("scope = {}");
        for (int i = 0; i < sources.size(); i++) {
            Supplier<Object> source = sources.get(i);
            ts.globals().getItem("scope").setItem("f" + i, (PythonCallable) (a, kw) -> source.get());
            @SuppressWarnings("unchecked")
            List<Object> r = (List<Object>) ts.eval("attempt('f" + i + "()', '"
                    + source.get().getClass().getName() + "')");
            check("TypeError".equals(r.get(0)) || r.get(0).toString().endsWith("ConversionException"),
                    "NONE returned an object to Python: " + r);
            check((Boolean) r.get(2), "the refusal does not name the type: " + r);
            count("refused");
        }
        List<Object> list = new ArrayList<>(List.of(1L));
        ts.globals().setItem("v", ts.view(list));
        ts.exec("v.append(2)");
        check(list.equals(List.of(1L, 2L)), "a view works under NONE: " + list);
        check(ts.eval("scope['f0']") != null, "callables cross under NONE");
        count("allowed");
    }

    private void refused(ThreadState ts, String policy, String[][] attempts) {
        for (String[] a : attempts) {
            @SuppressWarnings("unchecked")
            List<Object> r = (List<Object>) ts.eval("attempt(\"" + a[0] + "\", '" + a[1] + "')");
            if ("allowed".equals(r.get(0))) {
                System.out.println("ALLOWED under " + policy + ": " + a[0]);
                count("unexpected");
                continue;
            }
            check((Boolean) r.get(2), "the refusal of " + a[0] + " does not name " + a[1] + ": " + r);
            check(r.get(0).equals("HostAccessError"), "refusal of " + a[0] + " is a " + r.get(0) + ": " + r);
            count("refused");
        }
    }

    private void allowed(ThreadState ts, String policy) {
        check("hello x".equals(ts.eval("scope['s'].greet('x')")), "greet");
        check("Service".equals(ts.eval("str(scope['s'])")), "str follows toString");
        count("allowed", 2);
        List<String[]> extra = new ArrayList<>();
        switch (policy) {
            case "EXPLICIT" -> {
                check(Long.valueOf(2).equals(ts.eval("scope['s'].exportedField")), "exported field");
                ts.exec("scope['s'].exportedField = 5");
                check(Long.valueOf(5).equals(ts.eval("scope['s'].exportedField")), "exported field written");
                check("secret".equals(ts.eval("scope['s'].secret()")), "exported method");
                count("allowed", 3);
                extra.add(new String[] {"s.plain()", "plain"});
                extra.add(new String[] {"s.publicField", "publicField"});
                extra.add(new String[] {"s.hashCode()", "hashCode"});
            }
            case "ALL" -> {
                check("plain".equals(ts.eval("scope['s'].plain()")), "public method");
                check(Long.valueOf(1).equals(ts.eval("scope['s'].publicField")), "public field");
                check("secret".equals(ts.eval("scope['s'].secret()")), "secret allowed under ALL");
                check(ts.eval("scope['s'].runtime()") != null, "a Runtime crosses as an inert proxy");
                count("allowed", 4);
                extra.add(new String[] {"s.runtime().availableProcessors()", "availableProcessors"});
            }
            default -> {
                check("plain".equals(ts.eval("scope['s'].plain()")), "allowed class: public method");
                Object n = ts.eval("scope['s'].runtime().availableProcessors()");
                check(n instanceof Long l && l > 0, "a sensitive member named explicitly is reachable: " + n);
                count("allowed", 2);
                extra.add(new String[] {"s.secret()", "secret"});
                extra.add(new String[] {"s.runtime().totalMemory()", "totalMemory"});
            }
        }
        refused(ts, policy, extra.toArray(String[][]::new));
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Refusals each policy must show at least. */
    static final int MIN_REFUSED = 20;

    /** Runs and judges the scenario once per policy on {@code python}. */
    public static void suite(PythonInstall python) {
        for (String policy : List.of("NONE", "EXPLICIT", "ALL", "BUILDER")) {
            Outcome o = ScenarioRunner.run(python, HostAccessPolicies.class, Duration.ofMinutes(1), policy);
            Verdicts.clean(o);
            Verdicts.require(o.count("unexpected") == 0, policy + ": something forbidden was reachable", o);
            Verdicts.require(o.count("refused") >= MIN_REFUSED, policy + ": expected at least " + MIN_REFUSED
                    + " refusals", o);
            Verdicts.require(o.count("allowed") >= 1, policy + ": nothing allowed worked", o);
            Verdicts.report(String.format("host-access CPython %-6s %-8s refused=%d allowed=%d", python, policy,
                    o.count("refused"), o.count("allowed")));
        }
    }
}
