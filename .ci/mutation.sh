#!/usr/bin/env bash
# Mutation testing of Tailguard's library modules with PIT (issue 18). Not part of CI.
#
#   .ci/mutation.sh [module ...]
#
# Modules: core http okhttp grpc idempotency idempotency-jdbc idempotency-redis idempotency-servlet
# (the default is all of them, in that order). For each it prints the score (mutants killed of all
# mutants, %, and PIT's line coverage of the mutated classes), the surviving mutants per class
# (SURVIVED: a test ran the line and still passed; NO_COVERAGE: no test ran it), and the classes
# below 70%. PIT's HTML and XML reports stay in <module>/target/pit-reports/ (core's in
# tailguard-testing/target/pit-reports/), the Maven log beside them as target/mutation.log.
#
# Core is measured from tailguard-testing, where its functional tests live, against those tests and
# core's own unit tests together (the root pom's mutation-core-from-testing profile). Lincheck and
# Jazzer tests are left out (minutes per mutant; the example tests cover the same code).
#
# Environment: PIT_THREADS (default 1: the machine is shared), MUTATION_MAVEN_FLAGS (e.g. -o to
# stay offline once the plugins are downloaded), PIT_TARGET_CLASSES (a comma-separated list of
# class globs to mutate instead of the whole module, e.g. 'dev.tailguard.http.OneShotRemainder*',
# for quick re-measurement of the classes a change touched: every test of the module still runs),
# PIT_TARGET_TESTS (test class globs, default every dev.tailguard test; fewer tests can only
# lower a score, so a narrowed run gives a lower bound). The store modules need the servers .ci/run starts
# (PostgreSQL, MariaDB, Redis, Redis Cluster); a missing one fails the run instead of lowering the score.
set -euo pipefail
cd "$(dirname "$0")/.."

all_modules=(core http okhttp grpc idempotency idempotency-jdbc idempotency-redis idempotency-servlet)
modules=("$@")
[ "${#modules[@]}" -gt 0 ] || modules=("${all_modules[@]}")
for m in "${modules[@]}"; do
  if ! printf '%s\n' "${all_modules[@]}" | grep -qx -- "$m"; then
    echo "usage: .ci/mutation.sh [module ...]; unknown module '$m' (known: ${all_modules[*]})" >&2
    exit 2
  fi
done
command -v python3 >/dev/null || { echo "python3 is needed to summarise PIT's XML report" >&2; exit 2; }
export TAILGUARD_REQUIRE_SERVERS=true

# Runs PIT for one module; prints nothing but the log's path on failure.
run_pit() {
  local module="$1" run_in target excluded=""
  if [ "$module" = core ]; then
    run_in=tailguard-testing
    target='dev.tailguard.*'
    excluded='dev.tailguard.idempotency.*,dev.tailguard.testing.*,dev.tailguard.functional.*'
  else
    run_in="tailguard-$module"
    target="dev.tailguard.${module//-/.}.*"
  fi
  target="${PIT_TARGET_CLASSES:-$target}"
  # Everything upstream is built in the same reactor (never from ~/.m2); PIT skips a module with no
  # class matching the target, so only the module asked for is mutated.
  mkdir -p "$run_in/target"
  local log="$run_in/target/mutation.log"
  echo "== PIT: $module (run in $run_in, threads ${PIT_THREADS:-1}); log $log" >&2
  # shellcheck disable=SC2086
  if ! mvn -B ${MUTATION_MAVEN_FLAGS:-} -Pmutation -pl "$run_in" -am \
      test-compile org.pitest:pitest-maven:mutationCoverage \
      -Dpit.threads="${PIT_THREADS:-1}" \
      -DtargetClasses="$target" -DtargetTests="${PIT_TARGET_TESTS:-dev.tailguard.*}" \
      ${excluded:+-DexcludedClasses="$excluded"} >"$log" 2>&1; then
    echo "PIT failed for $module; see $log" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
  summarise "$module" "$run_in/target/pit-reports/mutations.xml" "$log"
}

summarise() {
  python3 - "$@" <<'PY'
import re, sys, xml.etree.ElementTree as ET
module, xml_path, log_path = sys.argv[1:4]
root = ET.parse(xml_path).getroot()
per_class = {}
for m in root.iter('mutation'):
    cls = m.findtext('mutatedClass').split('$')[0]
    entry = per_class.setdefault(cls, {'killed': 0, 'total': 0, 'alive': []})
    entry['total'] += 1
    if m.get('detected') == 'true':
        entry['killed'] += 1
    else:
        entry['alive'].append((int(m.findtext('lineNumber')), m.get('status'),
                               m.findtext('mutatedMethod'), m.findtext('description')))
killed = sum(e['killed'] for e in per_class.values())
total = sum(e['total'] for e in per_class.values())
coverage = '?'
with open(log_path, errors='replace') as log:
    for line in log:
        hit = re.search(r'Line Coverage \(for mutated classes only\): (\d+)/(\d+) \((\d+)%\)', line)
        if hit:
            coverage = f'{hit.group(1)}/{hit.group(2)} lines ({hit.group(3)}%)'
pct = 100.0 * killed / total if total else 0.0
print(f'\n#### {module}: {killed}/{total} mutants killed ({pct:.1f}%), line coverage {coverage}')
for cls in sorted(per_class):
    e = per_class[cls]
    short = cls.rsplit('.', 1)[-1]
    score = f'  {short}: {e["killed"]}/{e["total"]} ({100.0 * e["killed"] / e["total"]:.0f}%)'
    if not e['alive']:
        print(score)
        continue
    print(score + ', surviving:')
    for line, status, method, desc in sorted(e['alive']):
        print(f'    line {line} {method}: {desc} [{status}]')
# skipFailingTests leaves out a test that fails unmutated; say which, since its mutants lose it.
with open(log_path, errors='replace') as log:
    skipped = sorted(set(re.findall(r'\[method:([^\]]+)\]\] did not pass without mutation', log.read())))
if skipped:
    print('  tests left out (failed without mutation): ' + ', '.join(skipped))
low = [(100.0 * e['killed'] / e['total'], cls) for cls, e in per_class.items() if e['killed'] < 0.7 * e['total']]
if low:
    print(f'  classes below 70%: ' + ', '.join(f'{c.rsplit(".", 1)[-1]} {p:.0f}%' for p, c in sorted(low)))
else:
    print('  classes below 70%: none')
# One machine-readable line per module, for the table in the README.
print(f'SCORE {module} killed={killed} total={total} pct={pct:.1f} coverage={coverage} below70={len(low)}')
PY
}

failed=()
for m in "${modules[@]}"; do
  run_pit "$m" || failed+=("$m")
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "== PIT did not finish for: ${failed[*]}" >&2
  exit 1
fi
