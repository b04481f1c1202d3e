package dev.tailguard.lab.overload;

import dev.tailguard.lab.ScenarioCommand;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.ScenarioRun;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Command;

/** {@code lab overload-latency}: a backend that slows before it fails, under the overload spike. */
@Command(
    name = "overload-latency",
    mixinStandardHelpOptions = true,
    description = "The overload spike (2x and 3x for 60 s) against a backend whose latency grows with its concurrency (a queue in front of C workers), through the real Pipeline: no retries, 3 retries, a token bucket, SRE throttling, fixed concurrency limits and the Gradient and Vegas adaptive limits. Reports goodput, backend load, p99 of served calls and recovery time.")
public final class LatencyOverloadCommand extends ScenarioCommand {
  @Override
  public ScenarioResult runInto(Path outDir, PrintStream terminal) throws Exception {
    return ScenarioRun.execute("overload-latency", LatencyOverloadScenario.runs(), new LatencyOverloadScenario(seed)::run, outDir, terminal);
  }
}
