#!/usr/bin/env bash
# Runs every Tether benchmark on one CPython with the settings of their annotations (fork 1; warm-up 6 x 1 s, the
# upcall paths were still compiling at 3, or 10 x 1 s for the contended ones; measurement 5 x 1 s), and keeps JMH's
# text and JSON output, and the machine's load average sampled every 10 s, under results/<label>-<time>.*
#
#   tether-bench/run-benchmarks.sh <label> [libpython path] [extra JMH options, e.g. a benchmark regex]
#
# Without a library path the CPython is found as PythonRuntime.start() finds it (tether-cpython on the class path,
# TETHER_PYTHON_LIBRARY, ...). Set JAVA to a JDK 25 java if the default one is older. Set CORE_JAR to a
# tether-core jar to measure it instead of the one built into benchmarks.jar (it goes first on the class path,
# which the forked JVMs inherit).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
label="$1"; shift
lib=()
if [[ $# -gt 0 && "$1" != -* ]]; then
  lib=("-Dtether.python.library=$1"); shift
fi
java="${JAVA:-java}"
mkdir -p "$here/results"
out="$here/results/$label-$(date +%Y%m%d-%H%M)"
(while sleep 10; do echo "$(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)"; done) > "$out.load" &
sampler=$!
# A private copy of the jar: a rebuild during the run must not change what the forks load.
jar="$(mktemp --suffix=.jar)"
cp "$here/target/benchmarks.jar" "$jar"
trap 'kill "$sampler"; rm -f "$jar"' EXIT
{
  echo "# uptime before: $(uptime)"
  echo "# benchmarks.jar: sha256 $(sha256sum "$jar" | cut -c1-16)"
  cp="$jar"
  if [[ -n "${CORE_JAR:-}" ]]; then
    cp="$CORE_JAR:$cp"
    echo "# tether-core: $CORE_JAR (sha256 $(sha256sum "$CORE_JAR" | cut -c1-16))"
  fi
  "$java" "${lib[@]}" -cp "$cp" org.openjdk.jmh.Main -rf json -rff "$out.json" "$@"
  echo "# uptime after: $(uptime)"
} 2>&1 | tee "$out.txt"
