package dev.tailguard.lab.idempotency;

import dev.tailguard.lab.ScenarioCommand;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.ScenarioRun;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lab idempotency}: does a retried POST change state exactly once? */
@Command(
    name = "idempotency",
    mixinStandardHelpOptions = true,
    description = "Retried POSTs against a real server that drops the connection after processing: naive retries "
        + "versus Tailguard's Idempotency-Key with the server filter on the in-memory, PostgreSQL (127.0.0.1:5432, "
        + "database test) and Redis (127.0.0.1:6379) stores. Counts side effects, duplicates and failed requests.")
public final class IdempotencyCommand extends ScenarioCommand {
  @Option(names = "--requests", description = "Logical POSTs per strategy (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
  int requests = 1_000;

  @Option(names = "--drop", description = "Share of requests whose connection drops after processing (default: ${DEFAULT-VALUE}).", defaultValue = "0.2")
  double drop = 0.2;

  @Override
  protected void validate() {
    if (requests < 1) {
      throw usageError("--requests must be >= 1: " + requests);
    }
    // At 1 every attempt is dropped and nothing can succeed; NaN fails both comparisons.
    if (!(drop >= 0 && drop < 1)) {
      throw usageError("--drop must be in [0, 1): " + drop);
    }
  }

  @Override
  public ScenarioResult runInto(Path outDir, PrintStream terminal) throws Exception {
    IdempotencyScenario scenario = new IdempotencyScenario(requests, drop, seed);
    return ScenarioRun.execute("idempotency", scenario.steps(), scenario::run, outDir, terminal);
  }
}
