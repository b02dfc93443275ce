package dev.tether.internal.runtime;

import dev.tether.internal.protocol.Failures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A virtual environment as CPython reads it (F-VENV): its {@code pyvenv.cfg} ({@code home}, {@code version},
 * {@code include-system-site-packages}), the interpreter in its {@code bin/}, and the base installation its
 * {@code home} leads to.
 *
 * @param root                       the folder holding {@code pyvenv.cfg}
 * @param home                       {@code home}: the folder of the base interpreter ({@code /usr/bin})
 * @param version                    {@code version} (or virtualenv's {@code version_info}), e.g. {@code 3.11.2}
 * @param minor                      the minor version it names
 * @param includeSystemSitePackages  {@code include-system-site-packages}; true when absent, as in {@code site.py}
 * @param interpreter                {@code bin/python3.X}, {@code bin/python3} or {@code bin/python}: the first
 *                                   that exists; what {@code sys.executable} is there
 * @param basePrefix                 the base installation: the first folder at or above {@code home} that holds
 *                                   {@code lib/python3.X/os.py}, as CPython's getpath searches; null if none (the
 *                                   CPython that made it is gone; refused once the version is checked)
 */
record VirtualEnvironment(Path root, Path home, String version, int minor, boolean includeSystemSitePackages,
                          Path interpreter, Path basePrefix) {
    static final String CONFIG = "pyvenv.cfg";
    private static final Pattern VERSION = Pattern.compile("^3\\.(\\d+)(\\.\\d+)?");

    /**
     * Reads {@code venv} like CPython does (site.py's {@code venv()}: {@code key = value} lines, keys
     * case-insensitive, the first {@code =} splits).
     *
     * @throws dev.tether.ThreadStateException {@code INVALID_CONFIGURATION} naming the file and what is missing
     */
    static VirtualEnvironment read(Path venv) {
        Path root = venv.toAbsolutePath().normalize();
        Path cfg = root.resolve(CONFIG);
        List<String> lines;
        try {
            lines = Files.readAllLines(cfg, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw Failures.venvUnreadable(root, cfg, e);
        }
        String home = null;
        String version = null;
        String versionInfo = null;
        boolean systemSite = true;
        for (String line : lines) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = line.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT);
            String value = line.substring(eq + 1).strip();
            switch (key) {
                case "home" -> home = value;
                case "version" -> version = value;
                case "version_info" -> versionInfo = value;
                case "include-system-site-packages" -> systemSite = value.equalsIgnoreCase("true");
                default -> { }
            }
        }
        if (home == null || home.isEmpty()) {
            throw Failures.venvWithoutHome(root, cfg);
        }
        String named = version != null ? version : versionInfo;
        Matcher m = named == null ? null : VERSION.matcher(named);
        int minor = m != null && m.find() ? Integer.parseInt(m.group(1)) : minorFromLayout(root);
        if (minor < 0) {
            throw Failures.venvWithoutVersion(root, cfg);
        }
        Path homeDir = Path.of(home);
        return new VirtualEnvironment(root, homeDir, named != null ? named : "3." + minor, minor, systemSite,
                interpreter(root, minor), basePrefix(homeDir, minor));
    }

    /**
     * The ABI flags of the interpreter that made it ({@code "d"} for {@code python3.14d}, a debug build), from where
     * its {@code bin/python3.X} leads, else {@code ""}: the base installation may hold several libpythons.
     */
    String abiFlags() {
        try {
            String name = interpreter.toRealPath().getFileName().toString();
            Matcher m = Pattern.compile("^python3\\.\\d+([a-z]*)$").matcher(name);
            return m.find() ? m.group(1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** {@code lib/python3.X/site-packages} of the environment. */
    Path sitePackages() {
        return root.resolve("lib").resolve("python3." + minor).resolve("site-packages");
    }

    /** The interpreter of a virtual environment, the first that exists (or {@code bin/python3.X}, for messages). */
    private static Path interpreter(Path root, int minor) {
        Path bin = root.resolve("bin");
        for (String name : List.of("python3." + minor, "python3", "python")) {
            if (Files.exists(bin.resolve(name))) {
                return bin.resolve(name);
            }
        }
        return bin.resolve("python3." + minor);
    }

    /** The version a venv without a version line implies: its single {@code lib/python3.X}, or -1. */
    private static int minorFromLayout(Path root) {
        List<Integer> found = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(root.resolve("lib"), "python3.*")) {
            for (Path p : s) {
                Matcher m = Pattern.compile("python3\\.(\\d+)$").matcher(p.getFileName().toString());
                if (m.find()) {
                    found.add(Integer.parseInt(m.group(1)));
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return found.size() == 1 ? found.getFirst() : -1;
    }

    /** The first folder at or above {@code home} whose {@code lib/python3.X/os.py} exists, or null. */
    private static Path basePrefix(Path home, int minor) {
        for (Path dir = home.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(Discovery.stdlib(dir, minor).resolve("os.py"))) {
                return dir;
            }
        }
        return null;
    }
}
