package dev.tether;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The public API's Javadoc builds without errors, every public type and member has a comment, and every
 * {@code {@snippet}} names a region that exists in the compiled examples ({@code dev.tether.snippets}).
 * Missing {@code @param}/{@code @return} tags are allowed: comments are meant to be concise.
 */
class ApiDocumentationTest {
    @Test
    void javadocBuildsAndCoversThePublicApi() throws Exception {
        Path out = Files.createTempDirectory("tether-javadoc-");
        StringWriter log = new StringWriter();
        ToolProvider javadoc = ToolProvider.findFirst("javadoc").orElseThrow();
        int status = javadoc.run(new PrintWriter(log), new PrintWriter(log),
                "-quiet", "-Xdoclint:all", "-tag", "apiNote:a:API Note:",
                "--snippet-path", Path.of("src", "test", "java").toString(),
                "--module-source-path", "dev.tether=" + Path.of("src", "main", "java"),
                "--module", "dev.tether", "-d", out.toString());
        List<String> problems = log.toString().lines()
                .filter(l -> l.contains("error:") || l.contains("warning: no comment"))
                .toList();
        assertTrue(problems.isEmpty(), "Javadoc problems:\n" + String.join("\n", problems) + "\n" + log);
        assertEquals(0, status, log.toString());
    }
}
