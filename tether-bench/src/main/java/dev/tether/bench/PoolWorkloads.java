package dev.tether.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The Python and Java sides of the pool benchmarks' two workloads: a CPU-bound pure-Python function, and a JSON
 * record transform (loads a record of about 100 bytes, derives fields, dumps it), done the same way in Java.
 */
final class PoolWorkloads {
    private PoolWorkloads() {}

    /** Defines {@code squares(n)} and {@code transform(records)} in an interpreter. */
    static final String PYTHON = """
            import json
            def squares(n):
                s = 0
                for i in range(n):
                    s += i * i
                return s
            def transform(records):
                out = []
                for text in records:
                    r = json.loads(text)
                    r['total'] = round(r['price'] * r['qty'], 2)
                    r['name'] = r['name'].upper()
                    r['tag_count'] = len(r['tags'])
                    out.append(json.dumps(r))
                return out
            """;

    /** How far {@code squares} sums: about 5 ms of bytecode on these machines. */
    static final int SQUARES_N = 100_000;

    /** Records per task of the JSON workload (each operation of those benchmarks is one record). */
    static final int BATCH = 100;

    /** {@link #BATCH} records, each about 100 bytes of JSON. */
    static List<String> records() {
        List<String> records = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            records.add("{\"id\": " + (10_000 + i) + ", \"name\": \"widget-" + i + "\", \"price\": " + (i % 50 + 0.99)
                    + ", \"qty\": " + (i % 7 + 1) + ", \"tags\": [\"a\", \"b\", \"c\"]}");
        }
        return records;
    }

    /** The transform in Java: a parser for exactly this flat record shape, the same derived fields, a writer. */
    static List<String> transformInJava(List<String> records) {
        List<String> out = new ArrayList<>(records.size());
        for (String text : records) {
            Record r = Record.parse(text);
            double total = Math.round(r.price * r.qty * 100) / 100.0;
            out.add("{\"id\": " + r.id + ", \"name\": \"" + r.name.toUpperCase() + "\", \"price\": " + r.price
                    + ", \"qty\": " + r.qty + ", \"tags\": [" + String.join(", ", r.tags.stream()
                    .map(t -> "\"" + t + "\"").toList()) + "], \"total\": " + total + ", \"tag_count\": "
                    + r.tags.size() + "}");
        }
        return out;
    }

    /** One record; {@link #parse} reads the shape {@link #records} writes (and a little more: any key order). */
    private record Record(long id, String name, double price, long qty, List<String> tags) {
        static Record parse(String text) {
            Cursor c = new Cursor(text);
            long id = 0;
            long qty = 0;
            double price = 0;
            String name = null;
            List<String> tags = List.of();
            c.expect('{');
            do {
                String key = c.string();
                c.expect(':');
                switch (key) {
                    case "id" -> id = (long) c.number();
                    case "qty" -> qty = (long) c.number();
                    case "price" -> price = c.number();
                    case "name" -> name = c.string();
                    case "tags" -> tags = c.strings();
                    default -> throw new IllegalArgumentException("unknown key " + key);
                }
            } while (c.next(','));
            c.expect('}');
            return new Record(id, name, price, qty, tags);
        }
    }

    private static final class Cursor {
        private final String s;
        private int i;

        Cursor(String s) {
            this.s = s;
        }

        void skip() {
            while (i < s.length() && s.charAt(i) == ' ') {
                i++;
            }
        }

        void expect(char ch) {
            skip();
            if (s.charAt(i++) != ch) {
                throw new IllegalArgumentException("expected " + ch + " at " + (i - 1) + " in " + s);
            }
        }

        boolean next(char ch) {
            skip();
            if (i < s.length() && s.charAt(i) == ch) {
                i++;
                return true;
            }
            return false;
        }

        String string() {
            expect('"');
            int end = s.indexOf('"', i);
            String v = s.substring(i, end);
            i = end + 1;
            return v;
        }

        double number() {
            skip();
            int start = i;
            while (i < s.length() && "-+.eE0123456789".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            return Double.parseDouble(s.substring(start, i));
        }

        List<String> strings() {
            List<String> v = new ArrayList<>();
            expect('[');
            if (!next(']')) {
                do {
                    v.add(string());
                } while (next(','));
                expect(']');
            }
            return v;
        }
    }
}
