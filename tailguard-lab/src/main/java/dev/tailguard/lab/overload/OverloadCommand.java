package dev.tailguard.lab.overload;

import dev.tailguard.lab.Lab;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.ScenarioRun;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lab overload}: a capacity-limited backend under a 2x and 3x spike. */
@Command(
    name = "overload",
    mixinStandardHelpOptions = true,
    description = {
      "A backend of fixed capacity under a 60 s load spike of 2x and 3x, through the real Pipeline:",
      "no retries, 3 retries, 3 retries with a token bucket or a circuit breaker, and SRE throttling",
      "at K = 1.1, 1.5 and 2. Reports goodput, backend load, rejections and recovery time."
    })
public final class OverloadCommand implements Callable<Integer>, Lab.ScenarioCommand {
  @Option(names = "--out", description = "Directory for overload.json (default: ${DEFAULT-VALUE}).", defaultValue = "lab-out")
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
    return ScenarioRun.execute("overload", OverloadScenario.runs(), new OverloadScenario(seed)::run, outDir, terminal);
  }
}
