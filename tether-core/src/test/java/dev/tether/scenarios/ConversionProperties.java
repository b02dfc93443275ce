package dev.tether.scenarios;

import dev.tether.ConversionException;
import dev.tether.Interpreter;
import dev.tether.PyObject;
import dev.tether.PythonRuntime;
import dev.tether.TestAccess;
import dev.tether.ThreadState;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Round-trip property test of the conversion table: random Java values (seeded) and every edge case go to Python
 * and back, and come back equal where the table says so; Python sees the expected type; strict conversions refuse
 * what does not fit. Arguments: seed, number of random cases.
 */
public final class ConversionProperties extends Scenario {
    private Random random;

    @Override
    protected void run(String[] args) throws Exception {
        long seed = Long.parseLong(args[0]);
        int cases = Integer.parseInt(args[1]);
        random = new Random(seed);
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        try (ThreadState ts = ThreadState.ensure(main)) {
            for (Object edge : edges()) {
                roundTrip(ts, edge);
            }
            for (int i = 0; i < cases; i++) {
                roundTrip(ts, randomValue(3));
            }
            widening(ts);
            strictness(ts);
            cycles(ts);
            check(!TestAccess.errorPending(), "a Python error indicator was left set");
        }
        // The same values in a subinterpreter (own GIL, own objects on 3.12+).
        Interpreter sub = python.newInterpreter();
        sub.run(ts -> {
            for (int i = 0; i < cases / 4; i++) {
                roundTrip(ts, randomValue(3));
            }
        });
        python.close();
    }

    private void roundTrip(ThreadState ts, Object value) {
        try (PyObject p = ts.toPython(value)) {
            String expectedType = pythonType(value);
            check(p.typeName().equals(expectedType), "Python type of " + describe(value) + " is " + p.typeName()
                    + ", expected " + expectedType);
            Object back = p.toJava();
            check(deepEquals(value, back), "round trip changed " + describe(value) + " into " + describe(back));
            count("roundTrips");
        }
    }

    private void widening(ThreadState ts) {
        check(Long.valueOf(7).equals(ts.toPython(7).toJava()), "Integer -> int -> Long");
        check(Long.valueOf(-3).equals(ts.toPython((short) -3).toJava()), "Short -> int -> Long");
        check(Long.valueOf(5).equals(ts.toPython((byte) 5).toJava()), "Byte -> int -> Long");
        check(Double.valueOf(1.5f).equals(ts.toPython(1.5f).toJava()), "Float -> float -> Double");
        check("x".equals(ts.toPython('x').toJava()), "Character -> str -> String");
        check(List.of(1L, 2L).equals(ts.toPython(new java.util.ArrayDeque<>(List.of(1, 2))).toJava()),
                "Collection -> list");
        check(Arrays.equals(new Object[] {1L, 2L}, (Object[]) ts.toPython(new int[] {1, 2}).toJava()), "int[] -> tuple");
        check(Arrays.equals("ab".getBytes(), (byte[]) ts.evalObject("bytearray(b'ab')").toJava()), "bytearray");
        check(Arrays.equals("ab".getBytes(), ts.evalObject("memoryview(b'ab')").as(byte[].class)), "memoryview");
        check(Set.of(1L).equals(ts.evalObject("frozenset([1])").toJava()), "frozenset -> Set");
        check(Map.of(List.of(1L, 2L), "t").equals(ts.evalObject("{(1, 2): 't'}").toJava()), "tuple keys -> List");
        check(ts.evalObject("object()").toJava() instanceof PyObject, "other types stay PyObject");
        check(ts.evalObject("True").toJava() == Boolean.TRUE, "bool is not an int here");
        check(Integer.valueOf(-7).equals(ts.evalObject("-7").as(Integer.class)), "as Integer");
        check(ts.evalObject("2**40").as(long.class) == 1L << 40, "as long");
        check(ts.evalObject("3").as(Double.class) == 3.0, "int as Double");
        check(ts.evalObject("[1, 'a']").as(List.class).equals(List.of(1L, "a")), "as List");
        check(ts.evalObject("(1, 2)").as(List.class).equals(List.of(1L, 2L)), "tuple as List");
        check(ts.evalObject("range(3)").as(List.class).equals(List.of(0L, 1L, 2L)), "iterable as List");
        count("checks", 19);
    }

    private void strictness(ThreadState ts) {
        refuse(() -> ts.evalObject("2**31").as(Integer.class), "2**31 as Integer");
        refuse(() -> ts.evalObject("-2**31 - 1").as(int.class), "-2**31-1 as int");
        refuse(() -> ts.evalObject("2**63").as(Long.class), "2**63 as Long");
        refuse(() -> ts.evalObject("300").as(Byte.class), "300 as Byte");
        refuse(() -> ts.evalObject("1.5").as(Long.class), "float as Long");
        refuse(() -> ts.evalObject("True").as(Long.class), "bool as Long");
        refuse(() -> ts.evalObject("1").as(Boolean.class), "int as Boolean");
        refuse(() -> ts.evalObject("1e300").as(Float.class), "1e300 as Float");
        refuse(() -> ts.evalObject("2**2000").as(Double.class), "2**2000 as Double");
        refuse(() -> ts.evalObject("'ab'").as(Character.class), "'ab' as Character");
        refuse(() -> ts.evalObject("b'x'").as(String.class), "bytes as String");
        refuse(() -> ts.evalObject("'x'").as(byte[].class), "str as byte[]");
        refuse(() -> ts.evalObject("[1]").as(Map.class), "list as Map");
        refuse(() -> ts.evalObject("1").as(java.util.UUID.class), "int as UUID");
        refuse(() -> ts.toPython(new Object()), "Object has no conversion");
        refuse(() -> ts.toPython(Map.of(List.of(1), 1)), "list keys are unhashable");
        refuse(() -> ts.toPython(Set.of(List.of(1))), "list elements of a set are unhashable");
        check(!TestAccess.errorPending(), "a failed conversion left a Python error set");
    }

    private void cycles(ThreadState ts) {
        List<Object> list = new ArrayList<>();
        list.add(1L);
        list.add(list);
        try (PyObject p = ts.toPython(list)) {
            check(Boolean.TRUE.equals(ts.evalObject("lambda l: l[1] is l").invoke(p)), "Java cycle lost in Python");
            List<?> back = (List<?>) p.toJava();
            check(back.get(1) == back, "Python cycle lost in Java");
        }
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("self", map);
        try (PyObject p = ts.toPython(map)) {
            Map<?, ?> back = (Map<?, ?>) p.toJava();
            check(back.get("self") == back, "dict cycle lost");
        }
        count("checks", 3);
    }

    private void refuse(Runnable action, String what) {
        try {
            action.run();
        } catch (ConversionException e) {
            count("refused");
            return;
        }
        throw new AssertionError(what + ": converted although it should not");
    }

    // ---- generators -------------------------------------------------------------------------------------------

    private List<Object> edges() {
        List<Object> edges = new ArrayList<>(Arrays.asList(null, true, false, 0L, -1L, 1L, Long.MIN_VALUE,
                Long.MAX_VALUE, (long) Integer.MIN_VALUE, (long) Integer.MAX_VALUE,
                BigInteger.ONE.shiftLeft(63), BigInteger.ONE.shiftLeft(63).negate().subtract(BigInteger.ONE),
                BigInteger.TEN.pow(100), BigInteger.TEN.pow(100).negate(),
                0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE,
                Double.MAX_VALUE, -Double.MIN_NORMAL, "", "\u0000", "a\u0000b", "\uD800", "\uDFFF", "\uDBFF\uDFFF",
                "x\uD800y\uDC00z", "\uD83D\uDE00", "\uFFFF", "\u00e9\u4e2d\ud834\udd1e", new byte[0],
                new byte[] {0, -1, 127, -128}, new ArrayList<>(), new Object[0], new LinkedHashMap<>(),
                new LinkedHashSet<>()));
        StringBuilder huge = new StringBuilder();
        for (int i = 0; i < 300_000; i++) {
            huge.append((char) random.nextInt(0x10000));
        }
        edges.add(huge.toString());
        byte[] big = new byte[1 << 20];
        random.nextBytes(big);
        edges.add(big);
        return edges;
    }

    private Object randomValue(int depth) {
        int kind = random.nextInt(depth > 0 ? 13 : 9);
        return switch (kind) {
            case 0 -> null;
            case 1 -> random.nextBoolean();
            case 2 -> random.nextLong();
            case 3 -> new BigInteger(64 + random.nextInt(200), random).add(BigInteger.ONE.shiftLeft(63))
                    .multiply(BigInteger.valueOf(random.nextBoolean() ? 1 : -1));
            case 4 -> Double.longBitsToDouble(random.nextLong());
            case 5 -> random.nextDouble() * 1e6 - 5e5;
            case 6 -> randomString();
            case 7 -> {
                byte[] b = new byte[random.nextInt(64)];
                random.nextBytes(b);
                yield b;
            }
            case 8 -> (long) random.nextInt();
            case 9 -> {
                List<Object> list = new ArrayList<>();
                for (int i = random.nextInt(6); i > 0; i--) {
                    list.add(randomValue(depth - 1));
                }
                yield list;
            }
            case 10 -> {
                Object[] array = new Object[random.nextInt(6)];
                for (int i = 0; i < array.length; i++) {
                    array[i] = randomValue(depth - 1);
                }
                yield array;
            }
            case 11 -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = random.nextInt(6); i > 0; i--) {
                    map.put(random.nextBoolean() ? randomString() : (Object) random.nextLong(), randomValue(depth - 1));
                }
                yield map;
            }
            default -> {
                Set<Object> set = new LinkedHashSet<>();
                for (int i = random.nextInt(6); i > 0; i--) {
                    set.add(random.nextBoolean() ? randomString() : (Object) random.nextLong());
                }
                yield set;
            }
        };
    }

    private String randomString() {
        int length = random.nextInt(40);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(5)) {
                case 0 -> sb.append((char) random.nextInt(128));
                case 1 -> sb.appendCodePoint(0x10000 + random.nextInt(0x100000));
                case 2 -> sb.append((char) (0xD800 + random.nextInt(0x800)));
                default -> sb.append((char) random.nextInt(0x10000));
            }
        }
        return sb.toString();
    }

    private static String pythonType(Object value) {
        return switch (value) {
            case null -> "NoneType";
            case Boolean b -> "bool";
            case Long l -> "int";
            case BigInteger b -> "int";
            case Double d -> "float";
            case String s -> "str";
            case byte[] b -> "bytes";
            case List<?> l -> "list";
            case Object[] a -> "tuple";
            case Map<?, ?> m -> "dict";
            case Set<?> s -> "set";
            default -> "?";
        };
    }

    /** Equality per the table: arrays by content, doubles by bits (NaN, -0.0), containers deeply. */
    static boolean deepEquals(Object a, Object b) {
        if (a instanceof Object[] x && b instanceof Object[] y) {
            if (x.length != y.length) {
                return false;
            }
            for (int i = 0; i < x.length; i++) {
                if (!deepEquals(x[i], y[i])) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return Arrays.equals(x, y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!deepEquals(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !deepEquals(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof BigInteger x && b instanceof Long y) {
            return x.equals(BigInteger.valueOf(y)); // a BigInteger that fits comes back as Long
        }
        return java.util.Objects.equals(a, b);
    }

    private static String describe(Object v) {
        if (v instanceof Object[] a) {
            return Arrays.deepToString(a);
        }
        if (v instanceof byte[] b) {
            return "byte[" + b.length + "]";
        }
        String s = String.valueOf(v);
        return (v == null ? "null" : v.getClass().getSimpleName()) + " " + (s.length() > 80 ? s.substring(0, 80) + "..." : s);
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Strict conversions ({@code as}) that must be refused, each counted as "refused". */
    static final int REFUSED = 17;
    /** Fixed checks beside the random round trips, each counted as "checks". */
    static final int CHECKS = 22;

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        long seed = Long.getLong("tether.test.seed", System.nanoTime());
        Outcome o = ScenarioRunner.run(python, ConversionProperties.class, Duration.ofMinutes(2),
                Long.toString(seed), "2000");
        Verdicts.clean(o);
        Verdicts.require(o.count("roundTrips") >= 2000 + 2000 / 4, "round trips missing (seed " + seed + ")", o);
        Verdicts.require(o.count("refused") == REFUSED && o.count("checks") == CHECKS, "strict checks missing", o);
        Verdicts.report(String.format("conversions CPython %-6s seed=%d roundTrips=%d refused=%d", python, seed,
                o.count("roundTrips"), o.count("refused")));
    }
}
