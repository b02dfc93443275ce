/**
 * Zero-install numpy for Tether: provides a {@link dev.tether.PythonPackages} service that extracts numpy
 * ({@code org.bytedeco:numpy:*:linux-x86_64}) and OpenBLAS ({@code org.bytedeco:openblas:*:linux-x86_64}) into the
 * cache of {@code tether-cpython} on first use, opens OpenBLAS's libraries for numpy, and puts numpy on
 * {@code sys.path}, so that {@code import numpy} works on the CPython of {@code tether-cpython} with nothing
 * installed.
 *
 * <p>Nothing is exported: {@link java.util.ServiceLoader} finds the provider. The bytedeco jars belong on the class
 * path even when Tether is on the module path, because their module descriptors require bytedeco's Java bindings,
 * which Tether does not use.
 */
module dev.tether.numpy {
    requires dev.tether;
    requires dev.tether.cpython;

    provides dev.tether.PythonPackages with dev.tether.numpy.EmbeddedNumpy;
}
