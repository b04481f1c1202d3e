package dev.tailguard.lab;

import static dev.tailguard.lab.LabRunner.num;
import static dev.tailguard.lab.LabRunner.row;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdviseCommandTest {
  @TempDir Path dir;

  @Test
  void recommendsTheBudgetQuantileAndPredictsTheHedgedTailOfTheBimodalModel() throws Exception {
    Path file = dir.resolve("latencies.txt");
    SplittableRandom random = new SplittableRandom(7);
    try (BufferedWriter out = Files.newBufferedWriter(file)) {
      out.write("\n# header\n-3\nNaN\n");
      for (int i = 0; i < 200_000; i++) {
        double ms = random.nextDouble() < 0.01 ? 100 + 10 * random.nextGaussian() : 10 + 2 * random.nextGaussian();
        out.write(String.format("%.3f%n", Math.max(0, ms)));
      }
    }
    Object[] run = LabRunner.run("advise", "--latencies", file.toString(), "--budget", "0.05", "--out", dir.toString());
    assertThat(run[0]).isEqualTo(0);
    assertThat((String) run[1]).contains("skipped 4 line(s)", "line 1: blank", "line 2: '# header'", "line 3: '-3'", "line 4: 'NaN'");
    List<Map<String, Object>> rows = LabRunner.rows(dir.resolve("advise.json"));

    Map<String, Object> p999 = row(rows, "quantity", "p99.9");
    // The exact oracle for this model: 112.8 ms without hedging, 26.2 ms hedging at the p95.
    assertThat(num(p999, "none")).isBetween(108.0, 118.0);
    assertThat(num(p999, "fixed")).isBetween(24.0, 29.0);
    assertThat(num(p999, "optimal")).isLessThanOrEqualTo(num(p999, "fixed"));
    assertThat(num(row(rows, "quantity", "extraLoad"), "fixed")).isBetween(0.045, 0.055);
    assertThat(Files.size(dir.resolve("advise.png"))).isPositive();
  }

  @Test
  void anEmptyFileOrABadBudgetIsAUsageError() throws Exception {
    Path empty = Files.createFile(dir.resolve("empty.txt"));
    assertThat(LabRunner.run("advise", "--latencies", empty.toString(), "--out", dir.toString())[0]).isEqualTo(2);
    assertThat(LabRunner.run("advise", "--latencies", empty.toString(), "--budget", "1.5", "--out", dir.toString())[0]).isEqualTo(2);
    assertThat(LabRunner.run("advise", "--latencies", dir.resolve("missing.txt").toString(), "--out", dir.toString())[0]).isEqualTo(2);
  }
}
