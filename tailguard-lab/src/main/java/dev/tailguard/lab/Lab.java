package dev.tailguard.lab;

import dev.tailguard.lab.advise.AdviseCommand;
import dev.tailguard.lab.backoff.BackoffCommand;
import dev.tailguard.lab.hedge.HedgeCommand;
import dev.tailguard.lab.hedge.HttpHedgeCommand;
import dev.tailguard.lab.idempotency.IdempotencyCommand;
import dev.tailguard.lab.overload.LatencyOverloadCommand;
import dev.tailguard.lab.overload.OverloadCommand;
import dev.tailguard.lab.storm.StormCommand;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Tailguard lab: reproduces published results about retries, backoff and hedging, and
 * compares strategies side by side. With no arguments it runs every scenario with its defaults.
 */
@Command(
    name = "lab",
    mixinStandardHelpOptions = true,
    version = "Tailguard lab 0.1.0-SNAPSHOT",
    description = {
      "Reproduces published results on retries, backoff and hedging and compares strategies.",
      "With no scenario, runs every scenario with its defaults and writes <out>/<scenario>.json."
    },
    subcommands = {BackoffCommand.class, HedgeCommand.class, HttpHedgeCommand.class, StormCommand.class, OverloadCommand.class, LatencyOverloadCommand.class, IdempotencyCommand.class, AdviseCommand.class, dev.tailguard.lab.whatif.WhatifCommand.class})
public final class Lab implements Callable<Integer> {

  @Option(names = "--out", description = "Directory for the JSON results (default: ${DEFAULT-VALUE}).", defaultValue = "lab-out")
  Path out;

  static List<ScenarioCommand> allScenarios() {
    return List.of(new BackoffCommand(), new HedgeCommand(), new HttpHedgeCommand(), new StormCommand(), new OverloadCommand(), new LatencyOverloadCommand(), new IdempotencyCommand());
  }

  @Override
  public Integer call() throws Exception {
    java.util.List<ScenarioResult> results = new java.util.ArrayList<>();
    for (ScenarioCommand scenario : allScenarios()) {
      results.add(scenario.runInto(out, System.out));
    }
    // A whatif run into the same directory keeps its section on the page the full run rewrites.
    List<Report.Section> extras = dev.tailguard.lab.whatif.WhatifReport.fromOutDir(out).stream().toList();
    System.out.println("wrote " + Report.write(results, extras, out) + " (plots and tables of every scenario"
        + (extras.isEmpty() ? "" : ", and the whatif run found in " + out) + ")");
    System.out.println(summary(results));
    // The exit code stays 0 whatever the verdicts: the lab measures, and the summary line says what it found.
    return 0;
  }

  /** The last line of a full run: FAIL only when a check failed; INCONCLUSIVE checks are named with their reason. */
  static String summary(java.util.List<ScenarioResult> results) {
    Verdict worst = Verdict.PASS;
    StringBuilder inconclusive = new StringBuilder();
    StringBuilder failed = new StringBuilder();
    for (ScenarioResult result : results) {
      worst = worst.worse(result.verdict());
      for (java.util.Map<String, Object> check : result.checks()) {
        Verdict verdict = ScenarioResult.verdictOf(check);
        if (verdict == Verdict.FAIL) {
          failed.append("\n  FAIL ").append(result.scenario()).append(": ").append(check.get("name"));
        } else if (verdict == Verdict.INCONCLUSIVE) {
          inconclusive.append("\n  INCONCLUSIVE ").append(result.scenario()).append(": ").append(check.get("name"))
              .append(" (").append(check.get("reason")).append(")");
        }
      }
    }
    return switch (worst) {
      case PASS -> "All scenario checks pass.";
      case INCONCLUSIVE -> "No scenario check FAILs; some are INCONCLUSIVE (too noisy to tell on this machine):" + inconclusive;
      case FAIL -> "Some scenario checks FAIL: see above." + failed + inconclusive;
    };
  }

  private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  public static void main(String[] args) {
    configureJvm();
    int exit = new CommandLine(new Lab()).execute(args);
    System.exit(exit);
  }

  /** JVM settings the lab needs; must run before anything touches the common pool. */
  static void configureJvm() {
    // Plots are drawn off-screen; a CLI must never need a display.
    System.setProperty("java.awt.headless", "true");
    // With fewer than three CPUs the common pool has parallelism 1, and on JDK 17
    // CompletableFuture's default executor then starts a new thread per task (JDK 25 no longer
    // does). The JDK HttpClient completes every sendAsync response through that executor, so on a
    // two-core machine each hedged or retried HTTP attempt would cost a thread start. Two workers
    // make it a pool hand-off. A value the user set on the command line wins.
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM, "2");
    }
  }
}
