#!/usr/bin/env bash
# Runs every Tether benchmark on one CPython and keeps JMH's text and JSON output under results/.
#
#   tether-bench/run-benchmarks.sh <label> [libpython path] [extra JMH options...]
#
# Without a library path the CPython is found as PythonRuntime.start() finds it (tether-cpython on the class path,
# TETHER_PYTHON_LIBRARY, ...). Set JAVA to a JDK 25 java if the default one is older.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
label="$1"; shift
lib=()
if [[ $# -gt 0 && "$1" != -* ]]; then
  lib=("-Dtether.python.library=$1"); shift
fi
java="${JAVA:-java}"
out="$here/results/$label"
{
  echo "# uptime before: $(uptime)"
  "$java" "${lib[@]}" -jar "$here/target/benchmarks.jar" -f 1 -wi 3 -w 1 -i 5 -r 1 \
      -rf json -rff "$out.json" "$@"
  echo "# uptime after: $(uptime)"
} 2>&1 | tee "$out.txt"
