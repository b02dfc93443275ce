package dev.tether.testing.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The conformance suite's pure-Java pieces: differences.txt, its globs, the JSON reader, the recheck selectors. */
class KnownDifferencesTest {
    private static final String TEXT = """
            # comment
            reason R-A  one line
            3.11  main,concurrent-*  test.test_x.C.test_*  pass->fail  R-A
            exclude  *  sub  test.test_y.*  R-A
            trim  3.14  test.test_z.slow  too slow
            """;

    @Test
    void linesMatchByVersionModeTestAndOutcome() {
        KnownDifferences known = KnownDifferences.parse(TEXT);
        assertTrue(known.explain("3.11", "concurrent-sub", "test.test_x.C.test_a", "pass", "fail").isPresent());
        assertTrue(known.explain("3.14", "main", "test.test_x.C.test_a", "pass", "fail").isEmpty());
        assertTrue(known.explain("3.11", "sub", "test.test_x.C.test_a", "pass", "fail").isEmpty());
        assertTrue(known.explain("3.11", "main", "test.test_x.C.test_a", "pass", "error").isEmpty());
        assertTrue(known.explain("3.14", "sub", "test.test_y.D.e", "pass", "excluded").isPresent());
    }

    @Test
    void excludesAndTrimsBecomeRunnerPatterns() {
        KnownDifferences known = KnownDifferences.parse(TEXT);
        assertEquals(List.of("test.test_y.*"), known.excluded("3.11", "sub"));
        assertEquals(List.of("test.test_z.slow", "test.test_y.*"), known.excluded("3.14", "sub"));
        assertEquals(List.of("test.test_z.slow"), known.trimmed("3.14"));
        assertEquals(List.of(), known.excluded("3.11", "main"));
    }

    @Test
    void anUndefinedReasonIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> KnownDifferences.parse("3.11 main test.x pass->fail R-NONE\n"));
    }

    @Test
    void theResourceParses() {
        KnownDifferences known = KnownDifferences.load();
        assertTrue(known.entries.size() > 20, "entries: " + known.entries.size());
    }

    @Test
    void jsonRoundTrips() {
        Object value = Json.parse("{\"a\": [1, 2.5, \"x\\u00e9\\n\", true, null], \"b\": {}}");
        assertEquals(Map.of("a", java.util.Arrays.asList(1L, 2.5, "xé\n", true, null), "b", Map.of()), value);
        assertEquals(value, Json.parse(Json.write(value)));
    }

    @Test
    void rechecksSelectWhatMakesTheOutcomeAgain() {
        assertEquals("test.test_x.C", Comparison.selector("test_x", "setUpClass (test.test_x.C)"));
        assertEquals("test.test_x.C.t", Comparison.selector("test_x", "test.test_x.C.t#2"));
        assertEquals("test.test_x", Comparison.selector("test_x", "test_x (test_main)"));
        assertEquals("test.test_x.C.t", Comparison.selector("test_x", "test.test_x.C.t"));
    }
}
