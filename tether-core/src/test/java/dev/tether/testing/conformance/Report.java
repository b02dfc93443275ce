package dev.tether.testing.conformance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The conformance table and the list of differences, as Markdown (copied into docs/conformance.md). */
final class Report {
    private Report() {}

    /** What one run produced, for the report. */
    record Run(Target target, List<String> modules, Lane standalone, List<Lane> embedded, Comparison comparison,
               KnownDifferences known, List<String> problems, long seconds) {}

    static String markdown(Run run) {
        StringBuilder md = new StringBuilder();
        Object version = run.standalone().header == null ? "?" : run.standalone().header.get("version");
        md.append("### CPython ").append(run.target().name()).append(": ").append(firstLine(version)).append("\n\n");
        md.append("Standalone: `").append(run.target().python()).append(' ')
                .append(String.join(" ", run.target().standaloneOptions())).append("`; embedded: `")
                .append(run.target().library()).append("`; ").append(run.modules().size()).append(" modules, ")
                .append(run.seconds()).append(" s wall time.\n\n");
        table(run, md);
        List<String> absent = Selection.absent(run.target());
        if (!absent.isEmpty()) {
            md.append("\nNot in this build's tests: ").append(String.join(", ", absent)).append(".\n");
        }
        differences(run, md);
        notes(run, md);
        return md.toString();
    }

    private static void table(Run run, StringBuilder md) {
        md.append("| module | tests | standalone: pass / fail / error / skip / other |");
        for (Lane lane : run.embedded()) {
            md.append(' ').append(lane.mode).append(" |");
        }
        md.append("\n|---|---:|---|");
        md.append("---|".repeat(run.embedded().size())).append('\n');
        for (String module : run.modules()) {
            Map<String, Lane.Result> s = run.standalone().results.getOrDefault(module, Map.of());
            md.append("| ").append(module).append(" | ").append(s.size()).append(" | ").append(counts(s))
                    .append(" |");
            for (Lane lane : run.embedded()) {
                md.append(' ').append(cell(run.comparison(), lane.mode, module)).append(" |");
            }
            md.append('\n');
        }
        md.append("\n`=`: every test has the standalone outcome. Otherwise the number of tests that differ, by"
                + " verdict: explained (reason below), flaky (a second run gave the standalone outcome), or"
                + " UNEXPLAINED.\n");
    }

    private static String counts(Map<String, Lane.Result> tests) {
        Map<String, Long> by = tests.values().stream()
                .collect(Collectors.groupingBy(Lane.Result::outcome, Collectors.counting()));
        long other = tests.size() - by.getOrDefault("pass", 0L) - by.getOrDefault("fail", 0L)
                - by.getOrDefault("error", 0L) - by.getOrDefault("skip", 0L);
        return by.getOrDefault("pass", 0L) + " / " + by.getOrDefault("fail", 0L) + " / "
                + by.getOrDefault("error", 0L) + " / " + by.getOrDefault("skip", 0L) + " / " + other;
    }

    private static String cell(Comparison c, String mode, String module) {
        Map<Comparison.Verdict, Long> by = c.differences.stream()
                .filter(d -> d.mode.equals(mode) && d.module.equals(module))
                .collect(Collectors.groupingBy(d -> d.verdict, Collectors.counting()));
        if (by.isEmpty()) {
            return "=";
        }
        List<String> parts = new ArrayList<>();
        if (by.containsKey(Comparison.Verdict.EXPLAINED)) {
            parts.add(by.get(Comparison.Verdict.EXPLAINED) + " explained");
        }
        if (by.containsKey(Comparison.Verdict.FLAKY)) {
            parts.add(by.get(Comparison.Verdict.FLAKY) + " flaky");
        }
        if (by.containsKey(Comparison.Verdict.UNEXPLAINED)) {
            parts.add("**" + by.get(Comparison.Verdict.UNEXPLAINED) + " UNEXPLAINED**");
        }
        return String.join(", ", parts);
    }

    /** The differences grouped by reason (then flaky, then unexplained); one row per test and change. */
    private static void differences(Run run, StringBuilder md) {
        Map<String, List<Comparison.Difference>> groups = new LinkedHashMap<>();
        run.comparison().differences.stream()
                .sorted(Comparator.comparing((Comparison.Difference d) -> d.verdict).thenComparing(d -> d.note))
                .forEach(d -> groups.computeIfAbsent(d.verdict == Comparison.Verdict.EXPLAINED ? d.note
                        : d.verdict.name(), k -> new ArrayList<>()).add(d));
        if (groups.isEmpty()) {
            return;
        }
        md.append("\n#### Differences\n");
        for (Map.Entry<String, List<Comparison.Difference>> group : groups.entrySet()) {
            String why = run.known().reasons.getOrDefault(group.getKey(), switch (group.getKey()) {
                case "FLAKY" -> "not reproduced when the test ran a second time (timing, load or test order)";
                default -> "not explained: fix it or add it to differences.txt with its reason";
            });
            md.append("\n**").append(group.getKey()).append("** — ").append(why).append("\n\n");
            md.append("| test | modes | standalone → embedded | embedded detail |\n|---|---|---|---|\n");
            for (Row row : rows(group.getValue())) {
                md.append("| ").append(row.id).append(" | ").append(String.join(", ", row.modes)).append(" | ")
                        .append(row.change).append(" | ").append(escape(row.detail)).append(" |\n");
            }
        }
    }

    /** One test and change, with the modes it happened in. */
    private static final class Row {
        final String id;
        final String change;
        final Set<String> modes = new LinkedHashSet<>();
        final String detail;

        Row(String id, String change, String detail) {
            this.id = id;
            this.change = change;
            this.detail = detail;
        }

        Row(Comparison.Difference d) {
            id = "`" + d.id + "`";
            change = d.standalone.outcome() + " → " + d.embedded.outcome();
            String shown = d.embedded.detail() == null || d.embedded.detail().isEmpty()
                    ? (d.standalone.detail() == null || d.standalone.detail().isEmpty() ? ""
                            : "standalone: " + d.standalone.detail())
                    : d.embedded.detail();
            detail = d.verdict == Comparison.Verdict.EXPLAINED ? shown : shown + " (" + d.note + ")";
        }
    }

    /** One row per test and change; the tests one {@code exclude} line keeps from running make a single row. */
    private static List<Row> rows(List<Comparison.Difference> differences) {
        Map<String, Row> rows = new LinkedHashMap<>();
        Map<String, Set<String>> excluded = new LinkedHashMap<>();
        for (Comparison.Difference d : differences) {
            if (d.embedded.outcome().equals("excluded") && d.glob != null) {
                excluded.computeIfAbsent(d.glob, k -> new LinkedHashSet<>()).add(d.id);
                rows.computeIfAbsent("excluded " + d.glob, k -> new Row(d)).modes.add(d.mode);
            } else {
                rows.computeIfAbsent(d.id + " " + d.change(), k -> new Row(d)).modes.add(d.mode);
            }
        }
        List<Row> result = new ArrayList<>();
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            Row row = e.getValue();
            if (e.getKey().startsWith("excluded ")) {
                String glob = e.getKey().substring(9);
                int n = excluded.get(glob).size();
                Row merged = new Row("`" + glob + "` (" + n + (n == 1 ? " test" : " tests") + ", not run)",
                        "→ excluded", row.detail);
                merged.modes.addAll(row.modes);
                row = merged;
            }
            result.add(row);
        }
        return result;
    }

    private static void notes(Run run, StringBuilder md) {
        List<String> notes = new ArrayList<>(run.problems());
        for (Lane lane : all(run)) {
            lane.notes.forEach(n -> notes.add(lane.mode + ": " + n));
        }
        if (!notes.isEmpty()) {
            md.append("\n#### Hangs, crashes and worker problems\n\n");
            notes.forEach(n -> md.append("- ").append(escape(n.lines().findFirst().orElse(""))).append('\n'));
        }
        List<KnownDifferences.Entry> unused = run.known().entries.stream()
                .filter(e -> e.versions().contains("*") || e.versions().contains(run.target().name()))
                .filter(e -> !run.comparison().used.contains(e)).toList();
        if (!unused.isEmpty()) {
            md.append("\n#### Listed differences not seen in this run\n\n");
            unused.forEach(e -> md.append("- ").append(e).append(" (").append(e.reason()).append(")\n"));
        }
        md.append("\n#### Seconds per module\n\n| module | standalone |");
        for (Lane lane : run.embedded()) {
            md.append(' ').append(lane.mode).append(" |");
        }
        md.append("\n|---|---:|").append("---:|".repeat(run.embedded().size())).append('\n');
        for (String module : run.modules()) {
            md.append("| ").append(module);
            for (Lane lane : all(run)) {
                Double s = lane.seconds.get(module);
                md.append(" | ").append(s == null ? "–" : String.format("%.1f", s));
            }
            md.append(" |\n");
        }
    }

    private static List<Lane> all(Run run) {
        List<Lane> all = new ArrayList<>();
        all.add(run.standalone());
        all.addAll(run.embedded());
        return all;
    }

    private static String firstLine(Object o) {
        return String.valueOf(o).lines().findFirst().orElse("");
    }

    private static String escape(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
