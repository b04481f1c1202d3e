#!/usr/bin/env bash
# Fuzzes Tailguard's Jazzer targets (issue 18) for a chosen time each.
#
#   .ci/fuzz.sh [SECONDS] [Class#method ...]
#
# SECONDS (default 60) is the fuzzing time per target; with no targets named, every @FuzzTest in
# the repository is fuzzed in turn. `mvn verify` only replays the seeds; this runs Jazzer's JUnit
# fuzzing mode (JAZZER_FUZZ=1), one target per Maven run, as Jazzer allows one at a time.
#
# A crash makes the run fail, and Jazzer prints where it wrote the crashing input (a crash-<sha1>
# file): into src/test/resources/<package>/<Class>Inputs/ when that directory exists, else into the
# module's directory. Move it to <Class>Inputs/<method>/, where `mvn verify` replays it from then on,
# and commit it with the fix. The inputs Jazzer generates on the way go to <module>/.cifuzz-corpus/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: .ci/fuzz.sh [SECONDS] [Class#method ...] (SECONDS must be a positive integer, got '$seconds')" >&2
  exit 2
fi

# module:Class#method for every fuzz target, found from the sources so that new ones join by themselves.
all_targets() {
  grep -rl --include='*.java' '@FuzzTest' tailguard-*/src/test/java | sort | while read -r file; do
    module="${file%%/*}"
    class=$(basename "$file" .java)
    awk '/@FuzzTest/ {want=1; next} want && /void [A-Za-z0-9_]+\(/ {match($0, /void [A-Za-z0-9_]+\(/); print substr($0, RSTART+5, RLENGTH-6); want=0}' "$file" |
      while read -r method; do echo "$module:$class#$method"; done
  done
}

module_of() {
  local class="${1%%#*}"
  local file
  file=$(grep -rl --include="$class.java" '@FuzzTest' tailguard-*/src/test/java | head -1)
  if [ -z "$file" ]; then
    echo "no fuzz test class $class" >&2
    return 1
  fi
  echo "${file%%/*}"
}

targets=()
if [ "$#" -eq 0 ]; then
  mapfile -t targets < <(all_targets)
else
  for target in "$@"; do
    targets+=("$(module_of "$target"):$target")
  done
fi

failed=()
for entry in "${targets[@]}"; do
  module="${entry%%:*}"
  target="${entry#*:}"
  echo "== Fuzzing $target ($module) for ${seconds}s"
  # Jazzer's JUnit integration takes extra libFuzzer flags as the configuration parameters
  # jazzer.internal.arg.N (0 is argv[0]) and appends them after the @FuzzTest's own maxDuration,
  # so this -max_total_time wins.
  if ! JAZZER_FUZZ=1 mvn -B -q -o verify -pl "$module" -am \
      -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false \
      -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time="$seconds" \
      -Dsurefire.timeout=$((seconds + 600)); then
    failed+=("$target")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "== Crashes or errors in: ${failed[*]} (see 'Test unit written to' above for each crashing input)" >&2
  exit 1
fi
echo "== ${#targets[@]} target(s) fuzzed for ${seconds}s each: no crash"
