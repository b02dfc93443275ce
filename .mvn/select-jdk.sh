# Sourced by ./mvnw: picks a JDK 25+ for the whole build, so a machine whose default `java` is older still works.
# Order: $TETHER_JAVA_HOME, then $JAVA_HOME, then JDKs found under the usual install folders. Highest version wins
# among the found ones. Fails with the list of what was looked at when none qualifies.
tether_required_jdk=25

tether_jdk_version() { # prints the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\{0,1\}\([0-9]*\).*/\1/p' "$1/release" | head -n 1
  fi
}

tether_select_jdk() {
  tether_seen=""
  for tether_candidate in "${TETHER_JAVA_HOME-}" "${JAVA_HOME-}"; do
    [ -n "$tether_candidate" ] || continue
    tether_v=$(tether_jdk_version "$tether_candidate")
    tether_seen="$tether_seen
  $tether_candidate (version: ${tether_v:-not a JDK})"
    if [ -n "$tether_v" ] && [ "$tether_v" -ge "$tether_required_jdk" ]; then
      JAVA_HOME=$tether_candidate; export JAVA_HOME; return 0
    fi
  done
  tether_best="" tether_best_v=0
  set +f # mvnw runs with globbing off; the search below needs it
  for tether_candidate in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "${HOME-}"/.sdkman/candidates/java/* "${HOME-}"/.jdks/*; do
    [ -d "$tether_candidate" ] || continue
    tether_v=$(tether_jdk_version "$tether_candidate")
    [ -n "$tether_v" ] || continue
    tether_seen="$tether_seen
  $tether_candidate (version: $tether_v)"
    if [ "$tether_v" -ge "$tether_required_jdk" ] && [ "$tether_v" -gt "$tether_best_v" ]; then
      tether_best=$tether_candidate tether_best_v=$tether_v
    fi
  done
  set -f
  if [ -n "$tether_best" ]; then
    JAVA_HOME=$tether_best; export JAVA_HOME; return 0
  fi
  echo "Tether needs a JDK $tether_required_jdk or newer (the Foreign Function & Memory API), and none was found." >&2
  echo "Looked at:${tether_seen:-
  (nothing: JAVA_HOME is unset and no JDK lies under /usr/lib/jvm, /usr/java, /opt, ~/.sdkman or ~/.jdks)}" >&2
  echo "Install a JDK $tether_required_jdk+ and set JAVA_HOME (or TETHER_JAVA_HOME) to it." >&2
  return 1
}
