#!/usr/bin/env bash
# The optional extended matrix: every suite on CPython 3.15 and its debug build 3.15d (plus 3.14d), and the
# conformance suite (CPython's own regression tests) on 3.14, from a Debian sid root made by
# ../shared/scripts/pysid.sh. Needs root, debootstrap and
# network access to deb.debian.org; `pysid.sh setup` takes about 90 s the first time.
#
# Usage: scripts/extended-matrix.sh            (after ./mvnw verify, which builds the test classes)
# Env:   PYSID (path of pysid.sh), TETHER_EXTENDED=require (fail instead of skipping when it cannot run)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd -P)
pysid=${PYSID:-}
for candidate in "$repo/../shared/scripts/pysid.sh" /work/shared/scripts/pysid.sh; do
  [ -n "$pysid" ] || { [ -x "$candidate" ] && pysid=$candidate; } || true
done

skip() {
  if [ "${TETHER_EXTENDED:-}" = require ]; then
    echo "extended matrix: cannot run: $*" >&2; exit 1
  fi
  echo "extended matrix: SKIPPED: $*"; exit 0
}

[ -n "$pysid" ] || skip "pysid.sh not found (set PYSID)"
[ "$(id -u)" = 0 ] || skip "needs root (chroot)"
classes="$repo/tether-core/target/classes:$repo/tether-core/target/test-classes"
[ -d "$repo/tether-core/target/test-classes/dev/tether/testing" ] || skip "test classes not built: run ./mvnw verify first"

# Beside pysid's libraries the root needs: the standalone interpreters (sys.executable, venvs, the conformance
# suite's standalone lane), CPython 3.14's regression tests (conformance), and numpy, lxml and PyYAML (the suite
# "native extensions across interpreters").
extra_packages="libpython3.14-testsuite python3.14 python3.14-dbg python3.15 python3.15-dbg python3-numpy python3-lxml python3-yaml"
root=${PYSID_ROOT:-/opt/pysid/root}
if ! "$pysid" libs >/dev/null 2>&1 || [ ! -x "$root/usr/bin/python3.14" ] || [ ! -x "$root/usr/bin/python3.15" ] \
    || [ ! -f "$root/usr/lib/python3.14/test/test_json/__init__.py" ] \
    || [ ! -d "$root/usr/lib/python3/dist-packages/numpy" ]; then
  command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >/dev/null 2>&1 \
    || skip "debootstrap is missing and could not be installed"
  log=${TMPDIR:-/tmp}/tether-pysid-setup.log
  PYSID_PACKAGES="${PYSID_PACKAGES:-} $extra_packages" "$pysid" setup > "$log" 2>&1 \
    || skip "pysid.sh setup failed (see $log)"
fi

libs=$("$pysid" libs)
lib() { printf '%s\n' "$libs" | awk -v n="$1" '$1 == n { print $2 }'; }
args=(
  "3.15=$(lib libpython3.15.so.1.0)"
  "3.15d=$(lib libpython3.15d.so.1.0)"
  "3.14d=$(lib libpython3.14d.so.1.0)"
)
echo "extended matrix: ${args[*]}"
status=0
"$pysid" run --bind "$repo" -- java --enable-native-access=ALL-UNNAMED -cp "$classes" \
  -Dtether.test.stormRuns="${TETHER_STORM_RUNS:-10}" \
  -Dtether.test.extended.skip="${TETHER_EXTENDED_SKIP-3.14d=JVM exit storm}" \
  dev.tether.testing.ExtendedMatrix "${args[@]}" || status=$?

# CPython's own regression tests on sid's 3.14, standalone and inside Tether (docs/conformance.md).
conformance="3.14=$(lib libpython3.14.so.1.0):/usr:/usr/bin/python3.14"
echo "extended matrix: conformance $conformance"
"$pysid" run --bind "$repo" -- java -cp "$classes" \
  -Dtether.test.conformance.dir="$repo/tether-core/target/conformance" \
  dev.tether.testing.conformance.ConformanceMain "$conformance" || status=$?
exit "$status"
