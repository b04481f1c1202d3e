package dev.tailguard.lab;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A lab scenario's command: the {@code --out} and {@code --seed} options every scenario has, and
 * the run that writes {@code <out>/<scenario>.json}. The lab runs all of them when no scenario is
 * named.
 */
public abstract class ScenarioCommand implements Callable<Integer> {
  @Option(names = "--out", description = "Directory for the scenario's JSON (default: ${DEFAULT-VALUE}).", defaultValue = "lab-out")
  protected Path out = Path.of("lab-out");

  @Option(names = "--seed", description = "Random seed; the same seed gives the same numbers (default: ${DEFAULT-VALUE}).", defaultValue = "1")
  protected long seed = 1;

  @Spec protected CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    validate();
    runInto(out, System.out);
    return 0;
  }

  /** Checks the scenario's own flags; throws {@link #usageError} when one is off. */
  protected void validate() {}

  /** A usage error naming the flag, which picocli reports without a stack trace. */
  protected ParameterException usageError(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** Runs with the current flags, writes {@code outDir/<name>.json}, prints the tables. */
  public abstract ScenarioResult runInto(Path outDir, PrintStream terminal) throws Exception;
}
