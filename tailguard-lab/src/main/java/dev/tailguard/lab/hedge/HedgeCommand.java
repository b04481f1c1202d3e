package dev.tailguard.lab.hedge;

import dev.tailguard.lab.ScenarioCommand;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.ScenarioRun;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lab hedge}: hedged requests on the bimodal, Yammer and brpc latency models. */
@Command(
    name = "hedge",
    mixinStandardHelpOptions = true,
    description = "Hedged requests through the real engine in virtual time, on Brooker's bimodal model, Bailis's Yammer/Riak model and brpc's even-request-sleeps example. Compares none, fixed, adaptive and optimal delays (and clone-to-n) with the exact oracle and the published numbers.")
public final class HedgeCommand extends ScenarioCommand {
  @Option(names = "--requests", description = "Requests per strategy (default: ${DEFAULT-VALUE}).", defaultValue = "200000")
  int requests = 200_000;

  @Option(names = "--clone-requests", description = "Requests per clone-to-n row; the n=2 row uses ten times as many (default: ${DEFAULT-VALUE}).", defaultValue = "1000000")
  int cloneRequests = 1_000_000;

  @Override
  protected void validate() {
    // p99.9 needs at least a thousand samples to mean anything.
    if (requests < 1_000 || cloneRequests < 1_000) {
      throw usageError("--requests and --clone-requests must be >= 1000: " + requests + ", " + cloneRequests);
    }
  }

  @Override
  public ScenarioResult runInto(Path outDir, PrintStream terminal) throws Exception {
    HedgeScenario scenario = new HedgeScenario(requests, cloneRequests, seed);
    return ScenarioRun.execute("hedge", scenario.plan().size(), scenario::run, outDir, terminal);
  }
}
