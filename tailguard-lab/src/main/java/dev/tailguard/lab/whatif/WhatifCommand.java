package dev.tailguard.lab.whatif;

import dev.tailguard.HedgePolicy;
import dev.tailguard.lab.Progress;
import dev.tailguard.lab.Report;
import dev.tailguard.lab.ResultWriter;
import dev.tailguard.lab.ScenarioCommand;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.advise.source.LatencySample;
import dev.tailguard.lab.advise.source.LatencySourceOptions;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lab whatif}: what hedging, retries and budgets would do to the user's own latencies,
 * replayed through the real engines in virtual time.
 */
@Command(
    name = "whatif",
    mixinStandardHelpOptions = true,
    description = "Replays your latency distribution (any form advise reads) through the real Hedge, Retry and retry-budget engines "
        + "in virtual time, and prints p50 / p99 / p99.9 and extra load per strategy beside no hedging. Writes <out>/whatif.json, "
        + "the tail plot <out>/whatif.png and its section of <out>/index.html (added to the page already there, or a page of its own).")
public final class WhatifCommand extends ScenarioCommand {
  @Mixin LatencySourceOptions source = new LatencySourceOptions();

  @Option(names = "--requests", description = "Calls per strategy (default: ${DEFAULT-VALUE}).", defaultValue = "200000")
  int requests = 200_000;

  @Option(names = "--rate", description = "Calls per second of virtual time, Poisson (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
  double rate = 1_000;

  @Option(names = "--fixed-at", split = ",", paramLabel = "Q", description = "Fixed hedge delays at these quantiles of your distribution (default: ${DEFAULT-VALUE}; none for no such rows).",
      defaultValue = "0.95,0.99")
  List<String> fixedAt = new ArrayList<>(List.of("0.95", "0.99"));

  @Option(names = "--adaptive", split = ",", paramLabel = "B", description = "Adaptive delays (Finagle's rule) at these budgets (default: ${DEFAULT-VALUE}).",
      defaultValue = "0.05,0.01")
  List<String> adaptive = new ArrayList<>(List.of("0.05", "0.01"));

  @Option(names = "--optimal", split = ",", paramLabel = "B", description = "Budget-optimal randomized delays at these budgets (default: ${DEFAULT-VALUE}).",
      defaultValue = "0.05,0.01")
  List<String> optimal = new ArrayList<>(List.of("0.05", "0.01"));

  @Option(names = "--clone", split = ",", paramLabel = "N", description = "Send N copies at once, first answer wins (default: ${DEFAULT-VALUE}).",
      defaultValue = "2")
  List<String> clone = new ArrayList<>(List.of("2"));

  @Option(names = "--retry-timeout-at", split = ",", paramLabel = "Q",
      description = "Retry after a per-attempt timeout at these quantiles, --retry-attempts attempts at most (default: ${DEFAULT-VALUE}).",
      defaultValue = "0.95")
  List<String> retryTimeoutAt = new ArrayList<>(List.of("0.95"));

  @Option(names = "--retry-attempts", description = "Attempts per call for retry-timeout (default: ${DEFAULT-VALUE}).", defaultValue = "3")
  int retryAttempts = 3;

  @Option(names = "--retry-budget", paramLabel = "SHARE",
      description = "Gate every hedge and retry with a ratio retry budget allowing this share of calls (Finagle's percentCanRetry, no minimum per second). Default: no budget.")
  Double retryBudget;

  @Option(names = "--correlation", paramLabel = "C",
      description = "Share of calls whose hedges and retries take exactly as long as their primary, in [0, 1] (default: ${DEFAULT-VALUE}: independent).",
      defaultValue = "0")
  double correlation = 0;

  @Override
  protected void validate() {
    // p99.9 needs at least a thousand samples to mean anything.
    if (requests < 1_000) {
      throw usageError("--requests must be >= 1000: " + requests);
    }
    if (!(rate > 0) || Double.isInfinite(rate)) {
      throw usageError("--rate must be a positive number: " + rate);
    }
    if (!(correlation >= 0 && correlation <= 1)) {
      throw usageError("--correlation must be in [0, 1]: " + correlation);
    }
    if (retryBudget != null && !(retryBudget >= 0 && retryBudget <= 1000)) {
      throw usageError("--retry-budget must be in [0, 1000]: " + retryBudget);
    }
    shares("--fixed-at", fixedAt);
    shares("--retry-timeout-at", retryTimeoutAt);
    shares("--adaptive", adaptive);
    shares("--optimal", optimal);
    for (double n : numbers("--clone", clone)) {
      if (n != Math.rint(n) || n < 2 || n > HedgePolicy.MAX_ATTEMPTS_LIMIT) {
        throw usageError("--clone must be a whole number in [2, " + HedgePolicy.MAX_ATTEMPTS_LIMIT + "]: " + n);
      }
    }
    if (retryAttempts < 2) {
      throw usageError("--retry-attempts must be >= 2: " + retryAttempts);
    }
  }

  /** The values of a list option; the word none gives no rows. */
  private List<Double> numbers(String option, List<String> values) {
    List<Double> numbers = new ArrayList<>();
    for (String value : values) {
      if (value.isBlank() || value.strip().equalsIgnoreCase("none")) {
        continue;
      }
      try {
        numbers.add(Double.parseDouble(value.strip()));
      } catch (NumberFormatException garbage) {
        throw usageError(option + " takes numbers separated by commas, or none: '" + value + "'");
      }
    }
    return numbers;
  }

  /** The values of a list option of quantiles or budgets, each in (0, 1). */
  private List<Double> shares(String option, List<String> values) {
    List<Double> shares = numbers(option, values);
    for (double value : shares) {
      if (!(value > 0 && value < 1)) {
        throw usageError(option + " must be in (0, 1): " + value);
      }
    }
    return shares;
  }

  @Override
  public ScenarioResult runInto(Path outDir, PrintStream terminal) throws Exception {
    LatencySample sample = source.read(spec);
    sample.printWarnings(terminal);
    Resampler distribution = new Resampler(sample.micros());
    List<Strategy> strategies = strategies(distribution);
    WhatifScenario scenario = new WhatifScenario(distribution, strategies, requests, rate, correlation, retryBudget, seed);
    long start = System.nanoTime();
    ScenarioResult result = scenario.run(Progress.forTerminal("whatif", strategies.size()));
    result.param("latencies", source.file().toString()).param("format", source.format()).param("samples", sample.count())
        .param("skippedLines", sample.badCount()).param("wallSeconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0)
        .param("ranAt", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    sample.notes().forEach(note -> result.note("source: " + note));
    Files.createDirectories(outDir);
    Path json = ResultWriter.write(result, outDir);
    Path png = outDir.resolve("whatif.png");
    TailPlot.write(result.curves().get("whatif"), png);
    Path index = Report.putSection(outDir, WhatifReport.section(result.toJson(), Files.readAllBytes(png)));
    ResultWriter.print(result, terminal);
    terminal.println("wrote " + json + " and " + png + ", and the whatif section of " + index);
    terminal.println();
    return result;
  }

  private List<Strategy> strategies(Resampler distribution) {
    List<Strategy> strategies = new ArrayList<>();
    strategies.add(Strategy.none());
    shares("--fixed-at", fixedAt).forEach(q -> strategies.add(Strategy.fixed(q, distribution.quantile(q))));
    shares("--adaptive", adaptive).forEach(b -> strategies.add(Strategy.adaptive(b)));
    shares("--optimal", optimal).forEach(b -> strategies.add(Strategy.optimal(b)));
    numbers("--clone", clone).forEach(n -> strategies.add(Strategy.clone(n.intValue())));
    shares("--retry-timeout-at", retryTimeoutAt).forEach(q -> strategies.add(Strategy.retryTimeout(q, distribution.quantile(q), retryAttempts)));
    return strategies;
  }
}
