/**
 * Tether: attach any Java thread to an embedded CPython interpreter, safely. See {@link dev.tether}.
 *
 * <p>Loading libpython is a restricted operation: run with {@code --enable-native-access=dev.tether} (or
 * {@code ALL-UNNAMED} on the class path).
 */
module dev.tether {
    exports dev.tether;

    uses dev.tether.PythonDistribution;
    uses dev.tether.PythonPackages;
}
