package dev.tether.testing.conformance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Every test whose outcome in an embedded lane differs from the standalone interpreter's, classified. */
final class Comparison {
    /** How a difference is accounted for. */
    enum Verdict {
        /** Listed in differences.txt with its reason. */
        EXPLAINED,
        /** Not listed, and it did not happen again when the test ran a second time (timing, load, test order). */
        FLAKY,
        /** Not listed, and it happened again: a failure of the suite until it is fixed or explained. */
        UNEXPLAINED
    }

    /** One test whose outcome differs. */
    static final class Difference {
        final String mode;
        final String module;
        final String id;
        final Lane.Result standalone;
        final Lane.Result embedded;
        Verdict verdict;
        /** The reason id (EXPLAINED) or what the second run gave (FLAKY, UNEXPLAINED). */
        String note = "";
        /** The differences.txt test glob that explains it (EXPLAINED), or null. */
        String glob;

        Difference(String mode, String module, String id, Lane.Result standalone, Lane.Result embedded) {
            this.mode = mode;
            this.module = module;
            this.id = id;
            this.standalone = standalone;
            this.embedded = embedded;
        }

        String change() {
            return standalone.outcome() + "->" + embedded.outcome();
        }
    }

    private static final Lane.Result MISSING = new Lane.Result("missing", "");

    final List<Difference> differences = new ArrayList<>();
    /** The differences.txt entries that matched something (the others may be stale). */
    final Set<KnownDifferences.Entry> used = new LinkedHashSet<>();

    /** Compares every embedded lane with the standalone lane, module by module, test by test. */
    static Comparison of(String version, Lane standalone, List<Lane> embedded, KnownDifferences known) {
        Comparison c = new Comparison();
        for (Lane lane : embedded) {
            for (String module : modules(standalone, lane)) {
                Map<String, Lane.Result> s = standalone.results.getOrDefault(module, Map.of());
                Map<String, Lane.Result> e = lane.results.getOrDefault(module, Map.of());
                Set<String> ids = new LinkedHashSet<>(s.keySet());
                ids.addAll(e.keySet());
                for (String id : ids) {
                    Lane.Result a = s.getOrDefault(id, MISSING);
                    Lane.Result b = e.getOrDefault(id, MISSING);
                    if (a.outcome().equals(b.outcome())) {
                        continue;
                    }
                    Difference d = new Difference(lane.mode, module, id, a, b);
                    Optional<KnownDifferences.Entry> entry = known.explain(version, lane.mode, id, a.outcome(),
                            b.outcome());
                    if (entry.isPresent()) {
                        d.verdict = Verdict.EXPLAINED;
                        d.note = entry.get().reason();
                        d.glob = entry.get().glob();
                        c.used.add(entry.get());
                    }
                    c.differences.add(d);
                }
            }
        }
        return c;
    }

    /** The differences without a reason: what a second run must look at. */
    List<Difference> unexplained() {
        return differences.stream().filter(d -> d.verdict == null).toList();
    }

    /**
     * Judges the unexplained differences by a second run of just those tests: the same difference again makes it
     * UNEXPLAINED, the standalone outcome (of either run) makes it FLAKY.
     */
    void recheck(Lane standalone, Map<String, Lane> embeddedByMode) {
        for (Difference d : unexplained()) {
            Lane.Result s2 = result(standalone, d.module, d.id);
            Lane.Result e2 = result(embeddedByMode.get(d.mode), d.module, d.id);
            boolean again = !e2.outcome().equals(d.standalone.outcome()) && !e2.outcome().equals(s2.outcome());
            d.verdict = again ? Verdict.UNEXPLAINED : Verdict.FLAKY;
            d.note = "second run: standalone " + s2.outcome() + ", embedded " + e2.outcome();
        }
    }

    /** Marks what is still unjudged (no second run was made) as unexplained. */
    void noRecheck() {
        for (Difference d : unexplained()) {
            d.verdict = Verdict.UNEXPLAINED;
            d.note = "not run a second time";
        }
    }

    /** For each embedded mode, the module → test ids (or prefixes: classes, modules) a second run must run. */
    Map<String, Map<String, List<String>>> recheckPlan() {
        Map<String, Map<String, List<String>>> plan = new LinkedHashMap<>();
        for (Difference d : unexplained()) {
            List<String> ids = plan.computeIfAbsent(d.mode, k -> new LinkedHashMap<>())
                    .computeIfAbsent(d.module, k -> new ArrayList<>());
            String selector = selector(d.module, d.id);
            if (!ids.contains(selector)) {
                ids.add(selector);
            }
        }
        return plan;
    }

    /**
     * What to run again to see {@code id} again: a fixture's error ("setUpClass (test.test_x.C)") needs its class,
     * a repeated test ("ID#2") the test, an error of the module as a whole ("test_x (test_main)") the module.
     */
    static String selector(String module, String id) {
        Matcher fixture = FIXTURE.matcher(id);
        if (fixture.matches()) {
            return fixture.group(1);
        }
        if (id.equals(module) || id.startsWith(module + " (")) {
            return "test." + module;
        }
        return id.replaceFirst("#\\d+$", "");
    }

    private static final Pattern FIXTURE = Pattern.compile("^(?:setUpClass|tearDownClass|setUpModule|tearDownModule)"
            + " \\((.*)\\)$");

    private static Lane.Result result(Lane lane, String module, String id) {
        if (lane == null) {
            return MISSING;
        }
        return lane.results.getOrDefault(module, Map.of()).getOrDefault(id, MISSING);
    }

    private static Set<String> modules(Lane a, Lane b) {
        Set<String> modules = new LinkedHashSet<>(a.results.keySet());
        modules.addAll(b.results.keySet());
        return modules;
    }
}
