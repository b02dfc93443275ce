#!/usr/bin/env bash
# The CPython regression tests the conformance suite runs (ConformanceTest; see docs/conformance.md), on Debian:
# installs libpython3.X-testsuite, and adds the test packages Debian leaves out of it (Debian 12's
# libpython3.11-testsuite has no test_sqlite3) from Debian's own source package of the same CPython, through
# `apt-get source --tar-only` with a private source list, so the machine's apt configuration is left as it was.
# The extra packages go to $TETHER_CONFORMANCE_EXTRA/python3.X/test (default ~/.cache/tether/conformance), where the
# suite looks for them. Needs root for apt-get install. Prints what it did and exits 0 even when it cannot: the
# suite then reports SKIPPED (no testsuite) or lists the absent modules in its table.
#
# Usage: scripts/conformance-tests.sh [3.11]
set -euo pipefail
v=${1:-3.11}
stdlib=/usr/lib/python$v
# A folder named "test": the runner appends it to the test package's __path__.
dest=${TETHER_CONFORMANCE_EXTRA:-$HOME/.cache/tether/conformance}/python$v/test

if [ ! -f "$stdlib/test/test_json/__init__.py" ] || [ ! -x "/usr/bin/python$v" ]; then
  packages=("libpython$v-testsuite" "python$v")
  if ! apt-get install -y -q "${packages[@]}" >/dev/null 2>&1; then
    apt-get update -q >/dev/null 2>&1 || true
    apt-get install -y -q "${packages[@]}" >/dev/null 2>&1 \
      || { echo "conformance tests: cannot install ${packages[*]} (this is no Debian with CPython $v?)"; exit 0; }
  fi
fi
missing=()
for package in test_sqlite3; do
  [ -f "$stdlib/test/$package/__init__.py" ] || [ -f "$dest/$package/__init__.py" ] || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "conformance tests: ready ($stdlib/test${dest:+, extras in $dest})"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. /etc/os-release
mirror=http://deb.debian.org/debian
printf 'deb-src %s %s main\ndeb-src %s %s-updates main\ndeb-src %s-security %s-security main\n' \
  "$mirror" "$VERSION_CODENAME" "$mirror" "$VERSION_CODENAME" "$mirror" "$VERSION_CODENAME" > "$work/sources.list"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
apt_private=(-q -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
             -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
if ! { apt-get "${apt_private[@]}" update >"$work/apt.log" 2>&1 \
       && (cd "$work" && apt-get "${apt_private[@]}" source --download-only --tar-only "python$v" >>"$work/apt.log" 2>&1); }; then
  echo "conformance tests: cannot fetch Debian's python$v source package; ${missing[*]} will be absent:"
  tail -3 "$work/apt.log"
  exit 0
fi
upstream=$(dpkg-query -W -f '${Version}' "libpython$v-stdlib" | sed 's/-.*//')
tarball=$(ls "$work"/python"$v"_*.orig.tar.* | head -n1)
case $tarball in
  *_"$upstream".orig.tar.*) ;;
  *) echo "conformance tests: $tarball is not CPython $upstream; ${missing[*]} will be absent"; exit 0 ;;
esac
mkdir -p "$dest"
for package in "${missing[@]}"; do
  tar -xf "$tarball" -C "$work" --wildcards "Python-*/Lib/test/$package/*"
  rm -rf "${dest:?}/$package"
  cp -r "$work"/Python-*/Lib/test/"$package" "$dest/"
done
echo "conformance tests: added ${missing[*]} of CPython $upstream to $dest"
