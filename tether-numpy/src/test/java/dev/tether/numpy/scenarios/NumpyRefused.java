package dev.tether.numpy.scenarios;

import dev.tether.ErrorCode;
import dev.tether.PythonRuntime;
import dev.tether.ThreadStateException;
import dev.tether.testing.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * tether-numpy on the class path of a CPython it was not built for: the start fails before CPython is initialized,
 * naming the numpy jar, the ABI it needs, the CPython found and its ABI; nothing is extracted; a second start fails
 * the same way (nothing was committed). Arguments: the cache folder, the CPython's minor version.
 */
public final class NumpyRefused extends Scenario {
    @Override
    protected void run(String[] args) {
        Path cache = Path.of(args[0]);
        String minor = args[1];
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                PythonRuntime.start().close();
                throw new AssertionError("started with a numpy built for another CPython");
            } catch (ThreadStateException e) {
                String m = e.getMessage();
                check(e.code() == ErrorCode.PYTHON_UNUSABLE, "code " + e.code());
                check(m.contains("numpy 2.4.2 from org.bytedeco:numpy:2.4.2-1.5.13:linux-x86_64"), m);
                check(m.contains("is built for cpython-314-x86_64-linux-gnu"), m);
                check(m.contains("the CPython found is CPython 3." + minor + ".") && m.contains("(cpython-3" + minor),
                        m);
                System.out.println(m);
                count("refusedNamingBoth");
            }
        }
        check(!Files.exists(cache.resolve("numpy-2.4.2-1.5.13-linux-x86_64")), "numpy was extracted anyway");
    }
}
