#!/usr/bin/env bash
# Tailguard's JMH benchmarks beside Resilience4j and Failsafe, in one run.
#   ./tailguard-benchmarks/run.sh          quick mode: one fork, short iterations (under 4 minutes on 2 cores)
#   ./tailguard-benchmarks/run.sh --full   three forks, longer iterations
# Results: tailguard-benchmarks/target/jmh-results.json (JMH's JSON), then a table of ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -DskipTests -pl tailguard-benchmarks -am install
jar=tailguard-benchmarks/target/benchmarks.jar
out=tailguard-benchmarks/target/jmh-results.json

if [ "${1:-}" = "--full" ]; then
  options=(-f 3 -wi 5 -w 2s -i 5 -r 2s)
else
  options=(-f 1 -wi 4 -w 1s -i 6 -r 1s)
fi
java -jar "$jar" "${options[@]}" -prof gc -rf json -rff "$out" 'SuccessPathBenchmark|FailureMixBenchmark|OneRetryBenchmark|HedgeThroughputBenchmark'
echo
java -cp "$jar" dev.tailguard.benchmarks.RatioTable "$out"
