package dev.tether.internal.capi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Loads libpython into the process, once, and answers symbol look-ups in it.
 *
 * <p>The library is opened with {@code dlopen(RTLD_NOW | RTLD_GLOBAL)}: CPython's stdlib extension modules
 * ({@code math}, {@code _json}, ...) do not link libpython and resolve its symbols from the global namespace,
 * which the JDK's own {@link SymbolLookup#libraryLookup} (a local load) does not populate.
 */
public final class LibPython {
    private static final int RTLD_NOW = 0x2;
    private static final int RTLD_GLOBAL = 0x100;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle DLOPEN = libc("dlopen",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle DLSYM = libc("dlsym",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle DLERROR = libc("dlerror", FunctionDescriptor.of(ValueLayout.ADDRESS));
    /** glibc's {@code dladdr1}; null where libc lacks it. */
    private static final MethodHandle DLADDR1 = LINKER.defaultLookup().find("dladdr1").map(a -> LINKER.downcallHandle(a,
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT))).orElse(null);
    /** {@code RTLD_DL_SYMENT}: dladdr1 returns the {@code ElfW(Sym)} of the symbol. */
    private static final int RTLD_DL_SYMENT = 1;
    /** {@code sizeof(Dl_info)}: four pointers. */
    private static final long DL_INFO_SIZE = 32;
    /** Offset of {@code st_size} in {@code Elf64_Sym}. */
    private static final long ST_SIZE_OFFSET = 16;

    /** The handle dlopen returned; written once under the class lock, then only read. */
    private static volatile MemorySegment handle;
    private static volatile Path loadedPath;

    private LibPython() {}

    /**
     * Opens {@code library} globally. Loading the same path twice is a no-op; a second, different library is refused
     * because the process can only ever host one CPython.
     *
     * @throws IllegalStateException if dlopen fails (the message carries dlerror's text) or another libpython is loaded
     */
    public static synchronized void load(Path library) {
        Path absolute = library.toAbsolutePath().normalize();
        if (handle != null) {
            if (!absolute.equals(loadedPath)) {
                throw new IllegalStateException("libpython is already loaded from " + loadedPath
                        + "; this process cannot load a second one (" + absolute + ")");
            }
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment h = (MemorySegment) DLOPEN.invokeExact(arena.allocateFrom(absolute.toString()),
                    RTLD_NOW | RTLD_GLOBAL);
            if (h.equals(MemorySegment.NULL)) {
                throw new IllegalStateException("cannot load " + absolute + ": " + dlerror());
            }
            loadedPath = absolute;
            handle = h;
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot load " + absolute, t);
        }
    }

    /**
     * Opens a native library that extension modules need ({@code libopenblas.so.0} for numpy) globally, so that
     * their own dependency on it resolves by its soname to this file, whatever their run path says (F-PRELOAD-SONAME).
     * Opening the same
     * file twice is harmless (dlopen counts).
     *
     * @throws IllegalStateException if dlopen fails; the message carries dlerror's text
     */
    public static void preload(Path library) {
        Path absolute = library.toAbsolutePath().normalize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment h = (MemorySegment) DLOPEN.invokeExact(arena.allocateFrom(absolute.toString()),
                    RTLD_NOW | RTLD_GLOBAL);
            if (h.equals(MemorySegment.NULL)) {
                throw new IllegalStateException("cannot load " + absolute + ": " + dlerror());
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot load " + absolute, t);
        }
    }

    /** Whether a libpython has been loaded into this process. */
    public static boolean isLoaded() {
        return handle != null;
    }

    /** The path of the loaded library, if any. */
    public static Optional<Path> loadedPath() {
        return Optional.ofNullable(loadedPath);
    }

    /** Looks a symbol up in the loaded library (and, RTLD_GLOBAL being set, in what it depends on). */
    public static Optional<MemorySegment> find(String name) {
        MemorySegment h = handle;
        if (h == null) {
            throw new IllegalStateException("libpython is not loaded");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = (MemorySegment) DLSYM.invokeExact(h, arena.allocateFrom(name));
            return address.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(address);
        } catch (Throwable t) {
            throw new IllegalStateException("dlsym(" + name + ") failed", t);
        }
    }

    /**
     * The size the ELF symbol table gives the data symbol {@code name} of libpython ({@code st_size}), if libc can
     * say (glibc's {@code dladdr1}).
     */
    public static java.util.OptionalLong symbolSize(String name) {
        Optional<MemorySegment> address = find(name);
        if (address.isEmpty() || DLADDR1 == null) {
            return java.util.OptionalLong.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(DL_INFO_SIZE);
            MemorySegment symbol = arena.allocate(ValueLayout.ADDRESS);
            int found = (int) DLADDR1.invokeExact(address.get(), info, symbol, RTLD_DL_SYMENT);
            MemorySegment entry = symbol.get(ValueLayout.ADDRESS, 0);
            if (found == 0 || entry.equals(MemorySegment.NULL)) {
                return java.util.OptionalLong.empty();
            }
            return java.util.OptionalLong.of(entry.reinterpret(ST_SIZE_OFFSET + 8).get(ValueLayout.JAVA_LONG,
                    ST_SIZE_OFFSET));
        } catch (Throwable t) {
            return java.util.OptionalLong.empty();
        }
    }

    static Linker linker() {
        return LINKER;
    }

    private static String dlerror() throws Throwable {
        MemorySegment message = (MemorySegment) DLERROR.invokeExact();
        return message.equals(MemorySegment.NULL) ? "unknown dlopen error"
                : message.reinterpret(Long.MAX_VALUE).getString(0);
    }

    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        MemorySegment address = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new ExceptionInInitializerError("libc has no " + name));
        return LINKER.downcallHandle(address, descriptor);
    }
}
