package dev.tailguard.lab;

import java.io.PrintStream;
import java.nio.file.Path;

/** Runs one scenario with a progress bar, then writes its JSON and prints its tables. */
public final class ScenarioRun {
  /** A scenario body that reports progress. */
  @FunctionalInterface
  public interface Body {
    ScenarioResult run(Progress progress) throws Exception;
  }

  private ScenarioRun() {}

  public static ScenarioResult execute(String name, long steps, Body body, Path outDir, PrintStream terminal) throws Exception {
    long start = System.nanoTime();
    ScenarioResult result = body.run(Progress.forTerminal(name, steps));
    result.param("wallSeconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
    Path file = ResultWriter.write(result, outDir);
    ResultWriter.print(result, terminal);
    terminal.println("wrote " + file);
    terminal.println();
    return result;
  }
}
