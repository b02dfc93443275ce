package dev.tether.examples;

import dev.tether.Interpreter;
import dev.tether.PyObject;
import dev.tether.PythonCallable;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The object bridge at work: a pool of Java threads totals invoices with Python's {@code decimal} module and
 * reports them with {@code json}, calling back into Java for the tax rate. Every total is checked against the same
 * computation done with {@link BigDecimal}.
 *
 * <p>Each worker attaches for one invoice at a time ({@link Interpreter#call}); Python objects never leave the
 * attachment that made them except as converted Java values.
 */
public final class DecimalInvoices {
    private static final int INVOICES = 2_000;

    private DecimalInvoices() {}

    public static void main(String[] args) throws Exception {
        try (PythonRuntime python = PythonRuntime.start()) {
            Interpreter main = python.mainInterpreter();
            main.run(ts -> {
                // A Java callable Python calls for the tax rate of a country (Python str in, Python str out).
                PythonCallable taxRate = (positional, keywords) -> switch ((String) positional.get(0)) {
                    case "DE" -> "0.19";
                    case "FR" -> "0.20";
                    default -> "0.00";
                };
                ts.globals().setItem("tax_rate", taxRate);
                ts.exec(String.join("\n",
                        "import decimal, json",
                        "CENT = decimal.Decimal('0.01')",
                        "def total(lines, country):",
                        "    with decimal.localcontext() as ctx:",
                        "        ctx.prec = 28",
                        "        net = sum(decimal.Decimal(price) * qty for price, qty in lines)",
                        "        tax = (net * decimal.Decimal(tax_rate(country))).quantize(CENT, decimal.ROUND_HALF_EVEN)",
                        "        gross = (net + tax).quantize(CENT, decimal.ROUND_HALF_EVEN)",
                        "    return json.dumps({'net': str(net), 'tax': str(tax), 'gross': str(gross)})",
                        ""));
            });

            Random random = new Random(42);
            List<Invoice> invoices = new ArrayList<>();
            for (int i = 0; i < INVOICES; i++) {
                invoices.add(Invoice.random(random));
            }
            long begin = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<String>> results = new ArrayList<>();
            for (Invoice invoice : invoices) {
                results.add(pool.submit(() -> main.call(ts -> {
                    try (PyObject total = ts.globals().getItem("total")) {
                        return (String) total.invoke(invoice.lines(), invoice.country());
                    }
                })));
            }
            int mismatches = 0;
            BigDecimal sum = BigDecimal.ZERO;
            for (int i = 0; i < INVOICES; i++) {
                String json = results.get(i).get();
                BigDecimal gross = new BigDecimal(json.replaceAll(".*\"gross\": \"([^\"]+)\".*", "$1"));
                if (gross.compareTo(invoices.get(i).expectedGross()) != 0) {
                    mismatches++;
                }
                sum = sum.add(gross);
            }
            pool.shutdown();
            long millis = (System.nanoTime() - begin) / 1_000_000;
            System.out.printf("CPython %s: %d invoices totalled by 8 Java threads with decimal + json in %d ms%n",
                    python.version(), INVOICES, millis);
            System.out.println("first: " + invoices.get(0) + " -> " + results.get(0).get());
            System.out.println("sum of gross totals: " + sum);
            System.out.println(mismatches == 0 ? "OK: every total matches BigDecimal"
                    : "FAILED: " + mismatches + " totals differ from BigDecimal");
            if (mismatches != 0) {
                System.exit(1);
            }
        }
    }

    /** An invoice: lines of (unit price as a decimal string, quantity) and a country. */
    private record Invoice(List<List<Object>> lines, String country) {
        static Invoice random(Random random) {
            List<List<Object>> lines = new ArrayList<>();
            for (int i = 1 + random.nextInt(5); i > 0; i--) {
                String price = BigDecimal.valueOf(random.nextInt(100_000), 2).toPlainString();
                lines.add(List.of(price, 1 + random.nextInt(9)));
            }
            return new Invoice(lines, List.of("DE", "FR", "US").get(random.nextInt(3)));
        }

        BigDecimal expectedGross() {
            BigDecimal net = BigDecimal.ZERO;
            for (List<Object> line : lines) {
                net = net.add(new BigDecimal((String) line.get(0)).multiply(BigDecimal.valueOf((Integer) line.get(1))));
            }
            BigDecimal rate = new BigDecimal(Map.of("DE", "0.19", "FR", "0.20").getOrDefault(country, "0.00"));
            BigDecimal tax = net.multiply(rate).setScale(2, RoundingMode.HALF_EVEN);
            return net.add(tax).setScale(2, RoundingMode.HALF_EVEN);
        }
    }
}
