package dev.tailguard.lab.hedge;

import dev.tailguard.lab.ScenarioCommand;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.ScenarioRun;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lab http-hedge}: hedging and retries over real HTTP on loopback, on the wall clock. */
@Command(
    name = "http-hedge",
    mixinStandardHelpOptions = true,
    description = "Hedged requests over real HTTP on 127.0.0.1 through ResilientHttpClient, on the wall clock: "
        + "the bimodal and brpc models served by a JDK HttpServer, 16 concurrent callers, strategies none, "
        + "retry-timeout, fixed, adaptive (and fixed-2ms for brpc), interleaved in rounds. Counts server load and open exchanges; "
        + "its ratio checks say PASS, FAIL or INCONCLUSIVE with a bootstrap confidence interval.")
public final class HttpHedgeCommand extends ScenarioCommand {
  @Option(names = "--requests", description = "Requests per strategy (default: ${DEFAULT-VALUE}).", defaultValue = "20000")
  int requests = 20_000;

  @Option(names = "--callers", description = "Concurrent callers, each sending one request at a time (default: ${DEFAULT-VALUE}).", defaultValue = "16")
  int callers = 16;

  @Option(names = "--rounds", description = "Interleaved rounds per model: each strategy's requests are split into this many chunks, "
      + "alternating with the other strategies', so every ratio check compares against a baseline measured beside it (default: ${DEFAULT-VALUE}).",
      defaultValue = "6")
  int rounds = 6;

  @Override
  protected void validate() {
    // A bootstrap over rounds needs at least two, and a round needs enough requests for its tail.
    if (rounds < 2 || rounds > 50) {
      throw usageError("--rounds must be in [2, 50]: " + rounds);
    }
    if (requests / rounds < 100) {
      throw usageError("--requests / --rounds must be >= 100 requests per round: " + requests + " / " + rounds);
    }
    // p99.9 needs at least a thousand samples to mean anything.
    if (requests < 1_000) {
      throw usageError("--requests must be >= 1000: " + requests);
    }
    if (callers < 1 || callers > 256) {
      throw usageError("--callers must be in [1, 256]: " + callers);
    }
  }

  @Override
  public ScenarioResult runInto(Path outDir, PrintStream terminal) throws Exception {
    HttpHedgeScenario scenario = new HttpHedgeScenario(requests, callers, rounds, seed);
    return ScenarioRun.execute("http-hedge", scenario.steps(), scenario::run, outDir, terminal);
  }
}
