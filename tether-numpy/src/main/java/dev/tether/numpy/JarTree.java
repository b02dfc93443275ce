package dev.tether.numpy;

import dev.tether.cpython.cache.Source;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The native tree {@code org/bytedeco/<artifact>/linux-x86_64/} of a bytedeco jar as found on the class path (or
 * that folder, unpacked by an IDE), as a {@link Source} for tether-cpython's cache.
 *
 * @param artifact the bytedeco artifact id ({@code numpy}, {@code openblas})
 * @param archive  the jar, or the tree's folder when {@code jar} is false
 * @param jar      whether {@code archive} is a jar
 * @param version  the Maven version from the jar's {@code pom.properties} ({@code 2.4.2-1.5.13})
 * @param names    every file of the tree, relative to its root
 * @param skipped  the files left out of the cache
 */
record JarTree(String artifact, Path archive, boolean jar, String version, List<String> names, Pattern skipped)
        implements Source {

    /** The tree's root inside the jar. */
    static String root(String artifact) {
        return "org/bytedeco/" + artifact + "/linux-x86_64/";
    }

    /**
     * Finds the tree of {@code artifact} through the first of {@code loaders} that has its root resource.
     *
     * @throws IOException if none has it, it cannot be read, or its version is unknown (the version names the
     *                     cache folder)
     */
    static JarTree find(String artifact, List<ClassLoader> loaders, Pattern skipped) throws IOException {
        String root = root(artifact);
        for (ClassLoader loader : loaders) {
            URL url = loader == null ? null : loader.getResource(root);
            if (url != null) {
                return of(artifact, url, skipped);
            }
        }
        throw new IOException("org.bytedeco:" + artifact + ":<version>:jar:linux-x86_64 is not on the class path"
                + " (no resource " + root + ")");
    }

    private static JarTree of(String artifact, URL url, Pattern skipped) throws IOException {
        String spec = url.toString();
        String root = root(artifact);
        if (spec.startsWith("jar:file:") && spec.endsWith("!/" + root) && spec.indexOf("!/") == spec.lastIndexOf("!/")) {
            Path jar = Path.of(uri(spec.substring("jar:".length(), spec.length() - root.length() - 2)));
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                ZipEntry pom = zip.getEntry(pom(artifact));
                String version = null;
                if (pom != null) {
                    try (InputStream in = zip.getInputStream(pom)) {
                        version = version(artifact, in);
                    }
                }
                List<String> names = new ArrayList<>();
                for (ZipEntry e : Collections.list(zip.entries())) {
                    if (!e.isDirectory() && e.getName().startsWith(root) && e.getName().length() > root.length()) {
                        names.add(e.getName().substring(root.length()));
                    }
                }
                return checked(new JarTree(artifact, jar, true, version, names, skipped));
            }
        }
        if (spec.startsWith("file:")) {
            Path folder = Path.of(uri(spec));
            Path top = folder.getParent().getParent().getParent().getParent(); // above org/bytedeco/<a>/linux-x86_64
            Path pom = top.resolve(pom(artifact));
            String version = null;
            if (Files.isRegularFile(pom)) {
                try (InputStream in = Files.newInputStream(pom)) {
                    version = version(artifact, in);
                }
            }
            List<String> names = new ArrayList<>();
            for (Path file : files(folder)) {
                names.add(folder.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/"));
            }
            return checked(new JarTree(artifact, folder, false, version, names, skipped));
        }
        throw new IOException("Cannot extract org.bytedeco:" + artifact + " from " + spec + ": only a jar or a folder"
                + " on the file system is supported");
    }

    private static JarTree checked(JarTree tree) throws IOException {
        if (tree.version == null) {
            throw new IOException(tree.archive + " has no readable META-INF/maven/org.bytedeco/" + tree.artifact
                    + "/pom.properties: cannot tell its version");
        }
        return tree;
    }

    /** For messages: {@code org.bytedeco:numpy:2.4.2-1.5.13:linux-x86_64}. */
    String coordinates() {
        return "org.bytedeco:" + artifact + ":" + version + ":linux-x86_64";
    }

    @Override
    public String cacheName() {
        return artifact + "-" + version + "-linux-x86_64";
    }

    @Override
    public boolean wanted(String relative) {
        return !skipped.matcher(relative).matches();
    }

    @Override
    public void forEachFile(Predicate<String> wanted, FileSink sink) throws IOException {
        String root = root(artifact);
        if (jar) {
            try (ZipFile zip = new ZipFile(archive.toFile())) {
                for (ZipEntry e : Collections.list(zip.entries())) {
                    String name = e.getName();
                    if (!e.isDirectory() && name.startsWith(root) && name.length() > root.length()
                            && wanted.test(name.substring(root.length()))) {
                        try (InputStream in = zip.getInputStream(e)) {
                            sink.accept(name.substring(root.length()), in);
                        }
                    }
                }
            }
        } else {
            for (String relative : names) {
                if (wanted.test(relative)) {
                    try (InputStream in = Files.newInputStream(archive.resolve(relative))) {
                        sink.accept(relative, in);
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return coordinates() + " at " + archive;
    }

    private static String pom(String artifact) {
        return "META-INF/maven/org.bytedeco/" + artifact + "/pom.properties";
    }

    /** The version of the artifact's pom.properties, or null if it describes another artifact or is unsafe. */
    private static String version(String artifact, InputStream pomProperties) throws IOException {
        Properties p = new Properties();
        p.load(pomProperties);
        boolean ours = "org.bytedeco".equals(p.getProperty("groupId")) && artifact.equals(p.getProperty("artifactId"));
        String version = p.getProperty("version", "").strip();
        // the version becomes a folder name: accept nothing that could climb out of the cache
        return ours && version.matches("[A-Za-z0-9._+-]+") && !version.contains("..") ? version : null;
    }

    private static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static URI uri(String spec) throws IOException {
        try {
            return new URI(spec);
        } catch (URISyntaxException e) {
            throw new IOException("Cannot read the location of a bytedeco tree from " + spec, e);
        }
    }
}
