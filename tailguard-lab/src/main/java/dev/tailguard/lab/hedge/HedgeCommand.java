package dev.tailguard.lab.hedge;

import dev.tailguard.lab.Lab;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.ScenarioRun;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code lab hedge}: hedged requests on the bimodal, Yammer and brpc latency models. */
@Command(
    name = "hedge",
    mixinStandardHelpOptions = true,
    description = {
      "Hedged requests through the real engine in virtual time, on Brooker's bimodal model, Bailis's",
      "Yammer/Riak model and brpc's even-request-sleeps example. Compares none, fixed, adaptive and",
      "optimal delays (and clone-to-n) with the exact oracle and the published numbers."
    })
public final class HedgeCommand implements Callable<Integer>, Lab.ScenarioCommand {
  @Option(names = "--out", description = "Directory for hedge.json (default: ${DEFAULT-VALUE}).", defaultValue = "lab-out")
  Path out = Path.of("lab-out");

  @Option(names = "--requests", description = "Requests per strategy (default: ${DEFAULT-VALUE}).", defaultValue = "200000")
  int requests = 200_000;

  @Option(names = "--clone-requests", description = "Requests per clone-to-n row; the n=2 row uses ten times as many (default: ${DEFAULT-VALUE}).", defaultValue = "1000000")
  int cloneRequests = 1_000_000;

  @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).", defaultValue = "1")
  long seed = 1;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    // p99.9 needs at least a thousand samples to mean anything.
    if (requests < 1_000 || cloneRequests < 1_000) {
      throw new ParameterException(spec.commandLine(), "--requests and --clone-requests must be >= 1000: " + requests + ", " + cloneRequests);
    }
    runInto(out, System.out);
    return 0;
  }

  @Override
  public ScenarioResult runInto(Path outDir, PrintStream terminal) throws Exception {
    HedgeScenario scenario = new HedgeScenario(requests, cloneRequests, seed);
    return ScenarioRun.execute("hedge", scenario.plan().size(), scenario::run, outDir, terminal);
  }
}
