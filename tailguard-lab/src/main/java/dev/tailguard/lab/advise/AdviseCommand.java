package dev.tailguard.lab.advise;

import dev.tailguard.lab.ResultWriter;
import dev.tailguard.lab.ScenarioResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code lab advise}: picks a hedge delay from a user's own latencies, as brpc's guide asks users
 * to do by reading the CDF ("2 ms covers 95.5% of requests").
 */
@Command(
    name = "advise",
    mixinStandardHelpOptions = true,
    description = "Reads observed latencies (ms, one per line), prints the CDF, the fixed hedge delay for a budget "
        + "(p(1-b)), the budget-optimal randomized (d, q), and the p99 and p99.9 predicted with and without hedging "
        + "(independence assumed). Writes <out>/advise.json and <out>/advise.png.")
public final class AdviseCommand implements Callable<Integer> {
  @Option(names = "--latencies", required = true, description = "File of latencies in milliseconds, one per line.")
  Path latencies;

  @Option(names = "--budget", description = "Extra load allowed for hedges, in (0, 1) (default: ${DEFAULT-VALUE}).", defaultValue = "0.05")
  double budget = 0.05;

  @Option(names = "--out", description = "Directory for advise.json and advise.png (default: ${DEFAULT-VALUE}).", defaultValue = "lab-out")
  Path out = Path.of("lab-out");

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (!(budget > 0 && budget < 1)) {
      throw new ParameterException(spec.commandLine(), "--budget must be in (0, 1): " + budget);
    }
    if (!Files.isReadable(latencies)) {
      throw new ParameterException(spec.commandLine(), "--latencies: cannot read " + latencies);
    }
    LatencyFile file = LatencyFile.read(latencies);
    if (file.badCount > 0) {
      System.out.println("skipped " + file.badCount + " line(s) that are blank, not numbers, negative or not finite:");
      file.badLines.forEach(line -> System.out.println("  " + line));
      if (file.badCount > file.badLines.size()) {
        System.out.println("  …");
      }
    }
    if (file.clamped > 0) {
      System.out.println(file.clamped + " value(s) above one hour were counted as one hour");
    }
    if (file.micros.getTotalCount() == 0) {
      throw new ParameterException(spec.commandLine(), "--latencies: " + latencies + " holds no valid latency");
    }
    Advice advice = Advice.of(new SurvivalFunction(file.micros), budget);
    ScenarioResult result = advice.toResult(file.micros.getTotalCount(), file.badCount);
    Files.createDirectories(out);
    Path json = ResultWriter.write(result, out);
    Path png = out.resolve("advise.png");
    advice.plot(png);
    ResultWriter.print(result, System.out);
    System.out.println("wrote " + json + " and " + png);
    return 0;
  }
}
