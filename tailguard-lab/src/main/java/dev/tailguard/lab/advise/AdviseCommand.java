package dev.tailguard.lab.advise;

import dev.tailguard.lab.ResultWriter;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.TextTable;
import dev.tailguard.lab.advise.source.LatencySample;
import dev.tailguard.lab.advise.source.LatencySourceOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    description = "Reads observed latencies (one number per line, an HdrHistogram interval log, Prometheus histogram buckets, or a column "
        + "of an access log), prints the CDF as a table of delay against coverage, the fixed hedge delay for a budget (p(1-b)), the "
        + "budget-optimal randomized (d, q), and the p99 and p99.9 predicted with and without hedging (independence assumed). "
        + "Writes <out>/advise.json and <out>/advise.png.")
public final class AdviseCommand implements Callable<Integer> {
  @Mixin LatencySourceOptions source = new LatencySourceOptions();

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
    LatencySample sample = source.read(spec);
    sample.printWarnings(System.out);
    Advice advice = Advice.of(new SurvivalFunction(sample.micros()), budget);
    ScenarioResult result = advice.toResult(sample);
    result.param("latencies", source.file().toString()).param("format", source.format());
    List<Map<String, Object>> cdf = advice.cdf(sample);
    result.param("cdf", cdf);
    result.note(String.format("Read as brpc's guide does: %.2f ms covers %s of requests.", advice.fixedDelay,
        Advice.coverage(1 - advice.survival.at(advice.fixedDelay))));
    Files.createDirectories(out);
    Path json = ResultWriter.write(result, out);
    Path png = out.resolve("advise.png");
    advice.plot(png);
    TextTable.print(System.out, "== advise: CDF (a delay covers this share of requests)", cdf);
    ResultWriter.print(result, System.out);
    System.out.println("wrote " + json + " and " + png);
    return 0;
  }
}
