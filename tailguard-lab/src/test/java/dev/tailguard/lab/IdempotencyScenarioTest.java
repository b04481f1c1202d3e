package dev.tailguard.lab;

import static dev.tailguard.lab.LabRunner.num;
import static dev.tailguard.lab.LabRunner.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.testing.RealServers;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lab idempotency}: retried POSTs change state exactly once through every store. */
class IdempotencyScenarioTest {
  @TempDir Path out;

  @Test
  void everyTailguardStoreHasNoDuplicatesWhileNaiveRetriesDuplicate() throws Exception {
    RealServers.require("PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379 and Redis Cluster on 127.0.0.1:7001-7003", () -> {
      try (Socket postgres = new Socket("127.0.0.1", 5432); Socket redis = new Socket("127.0.0.1", 6379);
          Socket cluster = new Socket("127.0.0.1", 7001)) {
        return true;
      }
    }, "see .ci/run, which starts both");
    // The skewed-clock rows run a child JVM under libfaketime; without it they say so and the check fails.
    RealServers.require("libfaketime (apt-get install faketime)",
        () -> Files.isReadable(Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")), "apt-get install -y faketime");
    Object[] result = LabRunner.run("idempotency", "--requests", "300", "--out", out.toString());
    assertThat(result[0]).isEqualTo(0);
    List<Map<String, Object>> rows = LabRunner.rows(out.resolve("idempotency.json"));

    for (String strategy : new String[] {"tailguard-memory", "tailguard-jdbc", "tailguard-redis", "tailguard-redis-cluster"}) {
      Map<String, Object> r = row(rows, "strategy", strategy);
      assertThat(num(r, "duplicates")).as(strategy).isZero();
      assertThat(num(r, "failedRequests")).as(strategy).isZero();
      assertThat(num(r, "sideEffects")).as(strategy).isEqualTo(300);
      assertThat(num(r, "dropped")).as("%s saw faults", strategy).isPositive();
    }
    assertThat(num(row(rows, "strategy", "naive-retry"), "duplicates")).isPositive();
    for (String strategy : new String[] {"tailguard-jdbc-skewed-clocks", "tailguard-redis-skewed-clocks"}) {
      Map<String, Object> r = row(rows, "strategy", strategy);
      assertThat(num(r, "duplicates")).as(strategy).isZero();
      assertThat(num(r, "failedRequests")).as(strategy).isZero();
      assertThat(num(r, "sideEffects")).as(strategy).isEqualTo(300);
    }
  }

  @Test
  void aDropShareOfOneOrMoreIsAUsageError() {
    assertThat(LabRunner.run("idempotency", "--drop", "1", "--out", out.toString())[0]).isEqualTo(2);
  }
}
