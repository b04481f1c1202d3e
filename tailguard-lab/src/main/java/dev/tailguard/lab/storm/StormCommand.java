package dev.tailguard.lab.storm;

import dev.tailguard.lab.Lab;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.ScenarioRun;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lab storm}: retry amplification with and without budgets. */
@Command(
    name = "storm",
    mixinStandardHelpOptions = true,
    description = {
      "Retry storms after Brooker (2022): 100 Poisson clients at 10 requests/s for 10 s against a",
      "server failing each attempt with probability f. Compares no retries, 3 retries, and 3 retries",
      "under the gRPC token bucket, a Finagle ratio budget and SRE adaptive throttling."
    })
public final class StormCommand implements Callable<Integer>, Lab.ScenarioCommand {
  @Option(names = "--out", description = "Directory for storm.json (default: ${DEFAULT-VALUE}).", defaultValue = "lab-out")
  Path out = Path.of("lab-out");

  @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).", defaultValue = "1")
  long seed = 1;

  @Override
  public Integer call() throws Exception {
    runInto(out, System.out);
    return 0;
  }

  @Override
  public ScenarioResult runInto(Path outDir, PrintStream terminal) throws Exception {
    return ScenarioRun.execute("storm", StormScenario.runs(), new StormScenario(seed)::run, outDir, terminal);
  }
}
