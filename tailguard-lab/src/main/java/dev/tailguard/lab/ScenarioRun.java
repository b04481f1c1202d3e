package dev.tailguard.lab;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Runs one scenario with a progress bar, records the machine it ran on (load averages at start and
 * end, neighbours' CPU share in between), then writes its JSON and prints its tables.
 */
public final class ScenarioRun {
  /** A scenario body that reports progress. */
  @FunctionalInterface
  public interface Body {
    ScenarioResult run(Progress progress) throws Exception;
  }

  private ScenarioRun() {}

  public static ScenarioResult execute(String name, long steps, Body body, Path outDir, PrintStream terminal) throws Exception {
    MachineFacts.Snapshot start = MachineFacts.now();
    ScenarioResult result = body.run(Progress.forTerminal(name, steps));
    MachineFacts.Snapshot end = MachineFacts.now();
    result.param("wallSeconds", Math.round((end.nanoTime() - start.nanoTime()) / 1e8) / 10.0);
    result.machine(MachineFacts.between(start, end));
    Path file = ResultWriter.write(result, outDir);
    ResultWriter.print(result, terminal);
    terminal.println("wrote " + file);
    terminal.println();
    return result;
  }
}
