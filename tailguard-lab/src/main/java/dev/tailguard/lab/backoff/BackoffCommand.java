package dev.tailguard.lab.backoff;

import dev.tailguard.lab.Lab;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.ScenarioRun;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code lab backoff}: Brooker's backoff-and-jitter simulation. */
@Command(
    name = "backoff",
    mixinStandardHelpOptions = true,
    description = {
      "Brooker's optimistic-concurrency simulation (Exponential Backoff And Jitter, AWS 2015):",
      "N clients update one row; failed writes back off. Compares none, exponential, full,",
      "equal and decorrelated jitter by write calls and completion time, in virtual time."
    })
public final class BackoffCommand implements Callable<Integer>, Lab.ScenarioCommand {

  @Option(names = "--out", description = "Directory for backoff.json (default: ${DEFAULT-VALUE}).", defaultValue = "lab-out")
  Path out = Path.of("lab-out");

  @Option(names = "--clients", split = ",", description = "Client counts (default: ${DEFAULT-VALUE}).", defaultValue = "10,20,50,100")
  List<Integer> clients = List.of(10, 20, 50, 100);

  @Option(names = "--runs", description = "Runs averaged per point (default: ${DEFAULT-VALUE}).", defaultValue = "100")
  int runs = 100;

  @Option(names = "--seed", description = "Random seed; the same seed gives the same numbers (default: ${DEFAULT-VALUE}).", defaultValue = "1")
  long seed = 1;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    // Bad flags get picocli's usage error naming the option, not a stack trace.
    if (runs < 1) {
      throw new ParameterException(spec.commandLine(), "--runs must be >= 1: " + runs);
    }
    if (clients.isEmpty() || clients.stream().anyMatch(c -> c == null || c < 1)) {
      throw new ParameterException(spec.commandLine(), "--clients must be positive numbers: " + clients);
    }
    runInto(out, System.out);
    return 0;
  }

  @Override
  public ScenarioResult runInto(Path outDir, PrintStream terminal) throws Exception {
    BackoffScenario scenario = new BackoffScenario(clients, runs, seed);
    long steps = (long) clients.size() * BackoffScenario.STRATEGIES.size() * runs;
    return ScenarioRun.execute("backoff", steps, scenario::run, outDir, terminal);
  }
}
