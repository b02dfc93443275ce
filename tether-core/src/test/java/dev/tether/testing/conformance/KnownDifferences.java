package dev.tether.testing.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The differences from the standalone interpreter that are understood, each with its reason: the resource
 * {@code differences.txt} next to the runner. Two kinds of lines ({@code #} starts a comment):
 *
 * <pre>
 * reason R-ID  one line saying why (docs/conformance.md has the same reasons at length)
 * VERSIONS  MODES  TEST-ID-GLOB  STANDALONE-&gt;EMBEDDED  R-ID
 * exclude  VERSIONS  MODES  TEST-ID-GLOB  R-ID
 * trim  VERSIONS  TEST-ID-GLOB  why, in words
 * </pre>
 *
 * A {@code trim} line keeps very slow tests from running anywhere, the standalone interpreter included (CI's time
 * budget); they are recorded as "excluded" everywhere, so they differ nowhere.
 *
 * An {@code exclude} line keeps tests from running in those modes at all (they hang or kill the process there);
 * they are recorded as "excluded", which the same line explains.
 *
 * VERSIONS and MODES are comma-separated lists or {@code *}; globs ({@code *}) work in modes, test ids and
 * outcomes. A test id is the runner's (unittest's {@code id()}, or the module name for a module that did not
 * load).
 */
final class KnownDifferences {
    /** One understood difference. */
    record Entry(int line, boolean exclude, List<String> versions, Pattern modes, String glob, Pattern test,
                 Pattern from, Pattern to, String reason) {
        boolean matches(String version, String mode, String id, String standalone, String embedded) {
            return (versions.contains("*") || versions.contains(version)) && modes.matcher(mode).matches()
                    && test.matcher(id).matches() && from.matcher(standalone).matches()
                    && to.matcher(embedded).matches();
        }

        @Override
        public String toString() {
            return "differences.txt:" + line + " `" + glob + "`";
        }
    }

    final Map<String, String> reasons = new LinkedHashMap<>();
    /** {@code trim} lines: versions, and the test-id glob. */
    final List<String[]> trims = new ArrayList<>();
    final List<Entry> entries = new ArrayList<>();

    /** Reads the resource. */
    static KnownDifferences load() {
        try (InputStream in = KnownDifferences.class.getResourceAsStream("/dev/tether/conformance/differences.txt")) {
            if (in == null) {
                throw new IllegalStateException("differences.txt is not on the test class path");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read differences.txt", e);
        }
    }

    static KnownDifferences parse(String text) {
        KnownDifferences known = new KnownDifferences();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+", line.startsWith("reason ") ? 3 : 5);
            if (f[0].equals("reason")) {
                known.reasons.put(f[1], f[2]);
                continue;
            }
            if (f[0].equals("trim")) {
                String[] g = line.split("\\s+", 4);
                if (g.length != 4) {
                    throw new IllegalArgumentException("differences.txt:" + (i + 1) + ": expected trim VERSIONS"
                            + " TEST WHY, got: " + line);
                }
                known.trims.add(new String[] {g[1], g[2]});
                continue;
            }
            boolean exclude = f[0].equals("exclude");
            if (exclude) {
                String[] g = line.split("\\s+");
                if (g.length != 5) {
                    throw new IllegalArgumentException("differences.txt:" + (i + 1) + ": expected exclude VERSIONS"
                            + " MODES TEST REASON, got: " + line);
                }
                f = new String[] {g[1], g[2], g[3], "*->excluded", g[4]};
            }
            if (f.length != 5 || !f[3].contains("->")) {
                throw new IllegalArgumentException("differences.txt:" + (i + 1) + ": expected VERSIONS MODES TEST"
                        + " FROM->TO REASON, got: " + line);
            }
            String[] outcomes = f[3].split("->", 2);
            if (!known.reasons.containsKey(f[4].strip())) {
                throw new IllegalArgumentException("differences.txt:" + (i + 1) + ": reason " + f[4]
                        + " is not defined above it");
            }
            known.entries.add(new Entry(i + 1, exclude, List.of(f[0].split(",")), globs(f[1]), f[2], glob(f[2]),
                    glob(outcomes[0]), glob(outcomes[1]), f[4].strip()));
        }
        return known;
    }

    /** The entry that explains a difference, if any. */
    Optional<Entry> explain(String version, String mode, String id, String standalone, String embedded) {
        return entries.stream().filter(e -> e.matches(version, mode, id, standalone, embedded)).findFirst();
    }

    /** The test-id globs (fnmatch patterns for the runner) excluded from {@code mode} on {@code version}. */
    List<String> excluded(String version, String mode) {
        List<String> globs = new ArrayList<>(trimmed(version));
        entries.stream().filter(e -> e.exclude() && (e.versions().contains("*")
                || e.versions().contains(version)) && e.modes().matcher(mode).matches())
                .map(Entry::glob).forEach(globs::add);
        return globs;
    }

    /** The test-id globs no lane runs on {@code version} (too slow for CI's budget), the standalone one included. */
    List<String> trimmed(String version) {
        return trims.stream().filter(t -> t[0].equals("*") || List.of(t[0].split(",")).contains(version))
                .map(t -> t[1]).toList();
    }

    private static Pattern globs(String commaSeparated) {
        List<String> parts = new ArrayList<>();
        for (String g : commaSeparated.split(",")) {
            parts.add(glob(g).pattern());
        }
        return Pattern.compile(String.join("|", parts));
    }

    private static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (String part : glob.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }
}
