package dev.tether.scenarios;

import dev.tether.*;
import java.lang.foreign.*;
import java.util.*;

public final class SmokeNumpy {
    public static void main(String[] a) throws Exception {
        System.load("/tmp/np314/org/bytedeco/openblas/linux-x86_64/libgfortran.so.5");
        try (PythonRuntime py = PythonRuntime.builder().hostAccess(HostAccess.ALL).start()) {
            try (ThreadState ts = ThreadState.ensure(py.mainInterpreter())) {
                ts.exec("import sys; sys.path.insert(0, '/tmp/np314/org/bytedeco/numpy/linux-x86_64/python')\n"
                    + "import ctypes; ctypes.CDLL('/tmp/np314/org/bytedeco/openblas/linux-x86_64/libopenblas.so.0', mode=ctypes.RTLD_GLOBAL)\n"
                    + "import numpy as np");
                double[] d = {1.5, 2.5, 3.5};
                ts.globals().setItem("d", ts.view(d));
                System.out.println(ts.eval("repr(np.frombuffer(d, dtype=np.float64))"));
                System.out.println(ts.eval("repr(np.asarray(d))"));
                MemorySegment seg = Arena.ofAuto().allocate(8 * 4);
                seg.setAtIndex(ValueLayout.JAVA_LONG, 2, 42);
                ts.globals().setItem("s", ts.view(seg));
                ts.exec("x = np.frombuffer(s, dtype=np.int64); x[0] = 7");
                System.out.println(ts.eval("repr(x)") + " java sees " + seg.getAtIndex(ValueLayout.JAVA_LONG, 0));
                System.out.println(ts.eval("x.ctypes.data") + " vs " + seg.address());
                ts.exec("y = np.asarray(d); y[1] = 9.0; del y");
                ts.exec("import gc; gc.collect()");
                System.out.println(Arrays.toString(d));
            }
        }
    }
}
