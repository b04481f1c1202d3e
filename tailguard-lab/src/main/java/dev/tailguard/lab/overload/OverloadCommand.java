package dev.tailguard.lab.overload;

import dev.tailguard.lab.ScenarioCommand;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.ScenarioRun;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Command;

/** {@code lab overload}: a capacity-limited backend under a 2x and 3x spike. */
@Command(
    name = "overload",
    mixinStandardHelpOptions = true,
    description = "A backend of fixed capacity under a 60 s load spike of 2x and 3x, through the real Pipeline: no retries, 3 retries, 3 retries with a token bucket or a circuit breaker, and SRE throttling at K = 1.1, 1.5 and 2. Reports goodput, backend load, rejections and recovery time.")
public final class OverloadCommand extends ScenarioCommand {
  @Override
  public ScenarioResult runInto(Path outDir, PrintStream terminal) throws Exception {
    return ScenarioRun.execute("overload", OverloadScenario.runs(), new OverloadScenario(seed)::run, outDir, terminal);
  }
}
