package dev.tailguard.lab.storm;

import dev.tailguard.lab.ScenarioCommand;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.ScenarioRun;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Command;

/** {@code lab storm}: retry amplification with and without budgets. */
@Command(
    name = "storm",
    mixinStandardHelpOptions = true,
    description = "Retry storms after Brooker (2022): 100 Poisson clients at 10 requests/s for 10 s against a server failing each attempt with probability f. Compares no retries, 3 retries, and 3 retries under the gRPC token bucket, a Finagle ratio budget and SRE adaptive throttling.")
public final class StormCommand extends ScenarioCommand {
  @Override
  public ScenarioResult runInto(Path outDir, PrintStream terminal) throws Exception {
    return ScenarioRun.execute("storm", StormScenario.runs(), new StormScenario(seed)::run, outDir, terminal);
  }
}
