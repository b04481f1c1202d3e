package dev.tailguard.lab.backoff;

import dev.tailguard.lab.ScenarioCommand;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.ScenarioRun;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lab backoff}: Brooker's backoff-and-jitter simulation. */
@Command(
    name = "backoff",
    mixinStandardHelpOptions = true,
    description = "Brooker's optimistic-concurrency simulation (Exponential Backoff And Jitter, AWS 2015): N clients update one row; failed writes back off. Compares none, exponential, full, equal and decorrelated jitter by write calls and completion time, in virtual time.")
public final class BackoffCommand extends ScenarioCommand {
  @Option(names = "--clients", split = ",", description = "Client counts (default: ${DEFAULT-VALUE}).", defaultValue = "10,20,50,100")
  List<Integer> clients = List.of(10, 20, 50, 100);

  @Option(names = "--runs", description = "Runs averaged per point (default: ${DEFAULT-VALUE}).", defaultValue = "100")
  int runs = 100;

  @Override
  protected void validate() {
    if (runs < 1) {
      throw usageError("--runs must be >= 1: " + runs);
    }
    if (clients.isEmpty() || clients.stream().anyMatch(c -> c == null || c < 1)) {
      throw usageError("--clients must be positive numbers: " + clients);
    }
  }

  @Override
  public ScenarioResult runInto(Path outDir, PrintStream terminal) throws Exception {
    BackoffScenario scenario = new BackoffScenario(clients, runs, seed);
    long steps = (long) clients.size() * BackoffScenario.STRATEGIES.size() * runs;
    return ScenarioRun.execute("backoff", steps, scenario::run, outDir, terminal);
  }
}
