package dev.tailguard.lab;

import static dev.tailguard.lab.LabRunner.num;
import static dev.tailguard.lab.LabRunner.row;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code advise} and {@code whatif} on each latency form, on files written here from Brooker's
 * bimodal model (99% N(10, 2) + 1% N(100, 10) ms; exact p95 13.49 ms, p99.9 112.8 ms), with bad
 * lines at known numbers.
 */
class LatencySourcesTest {
  private static final int SAMPLES = 100_000;
  @TempDir Path dir;

  private static double[] bimodal(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] ms = new double[SAMPLES];
    for (int i = 0; i < ms.length; i++) {
      double v = random.nextDouble() < 0.01 ? 100 + 10 * random.nextGaussian() : 10 + 2 * random.nextGaussian();
      ms[i] = Math.max(0.001, v);
    }
    return ms;
  }

  @Test
  void linesInSecondsWithBadLinesReportedByNumber() throws Exception {
    List<String> lines = new ArrayList<>(List.of("", "latency", "-0.5", "Infinity"));
    for (double ms : bimodal(1)) {
      lines.add(String.format(Locale.ROOT, "%.6f", ms / 1000));
    }
    Path file = Files.write(dir.resolve("seconds.txt"), lines);
    String out = advise(file, "--unit", "s");
    assertThat(out).contains("skipped 4 line(s)", "line 1: blank", "line 2: 'latency' (not a number)", "line 3: '-0.5' (negative)",
        "line 4: 'Infinity' (not finite)");
    assertBimodal(0.01);
    assertWhatifHedgesTheTail(file, "--unit", "s");
  }

  @Test
  void hdrHistogramIntervalLogInNanoseconds() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    HistogramLogWriter writer = new HistogramLogWriter(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    writer.outputLogFormatVersion();
    writer.outputStartTime(1_700_000_000_000L);
    writer.outputLegend();
    double[] ms = bimodal(2);
    for (int interval = 0; interval < 10; interval++) {
      Histogram histogram = new Histogram(3_600_000_000_000L, 3);
      histogram.setStartTimeStamp(1_700_000_000_000L + interval * 1000L);
      histogram.setEndTimeStamp(1_700_000_000_000L + (interval + 1) * 1000L);
      for (int i = interval; i < ms.length; i += 10) {
        histogram.recordValue(Math.round(ms[i] * 1e6));
      }
      writer.outputIntervalHistogram(histogram);
    }
    List<String> lines = new ArrayList<>(List.of(bytes.toString(StandardCharsets.UTF_8).split("\n")));
    // Three header lines, then a bad line at 4, an interval, a blank line at 6 and a truncated histogram at 7.
    lines.add(3, "not an interval");
    lines.add(5, "");
    String interval = lines.get(4);
    lines.add(6, interval.substring(0, interval.length() / 2));
    Path file = Files.write(dir.resolve("latency.hlog"), lines);

    String out = advise(file, "--format", "hdr-log", "--unit", "ns");
    assertThat(out).contains("skipped 3 line(s)", "line 4: 'not an interval' (not an interval histogram)", "line 6: blank", "line 7: ",
        "added 10 interval histogram(s)");
    assertThat(LabRunner.params(dir.resolve("advise.json"))).containsEntry("samples", SAMPLES);
    assertBimodal(0.01);
    assertWhatifHedgesTheTail(file, "--format", "hdr-log", "--unit", "ns");
  }

  @Test
  void prometheusBucketsAreSummedInterpolatedAndCarryTheirBucketWidthAsError() throws Exception {
    double[] edgesSeconds = {0.005, 0.01, 0.0125, 0.015, 0.02, 0.05, 0.1, 0.11, 0.12};
    double[] ms = bimodal(3);
    List<String> lines = new ArrayList<>(List.of(
        "# HELP http_server_requests_seconds Request latency.",
        "# TYPE http_server_requests_seconds histogram"));
    for (String method : new String[] {"GET", "POST"}) {
      long cumulative = 0;
      int first = method.equals("GET") ? 0 : 1;
      for (double edge : edgesSeconds) {
        cumulative = 0;
        for (int i = first; i < ms.length; i += 2) {
          cumulative += ms[i] <= edge * 1000 ? 1 : 0;
        }
        lines.add(String.format(Locale.ROOT, "http_server_requests_seconds_bucket{method=\"%s\",le=\"%s\"} %d", method, edge, cumulative));
      }
      lines.add("http_server_requests_seconds_bucket{method=\"" + method + "\",le=\"+Inf\"} " + SAMPLES / 2 + " 1700000000000");
      lines.add("http_server_requests_seconds_count{method=\"" + method + "\"} " + SAMPLES / 2);
      lines.add("http_server_requests_seconds_sum{method=\"" + method + "\"} 123.4");
    }
    lines.add("process_cpu_seconds_total 12.5");
    lines.add(4, "http_server_requests_seconds_bucket{method=\"GET\",le=\"0.1\"} lots");
    lines.add(5, "http_server_requests_seconds_bucket{method=\"GET\"} 5");
    Path file = Files.write(dir.resolve("metrics.prom"), lines);

    String out = advise(file, "--format", "prometheus");
    assertThat(out).contains("skipped 2 line(s)", "line 5: 'http_server_requests_seconds_bucket{meth…' (count is not a finite number >= 0)",
        "line 6: ", "(no le label)", "summed 2 series", "errorMs", "unbounded (+Inf bucket)");
    List<Map<String, Object>> rows = LabRunner.rows(dir.resolve("advise.json"));
    // The p95 (13.49 ms) lies in (12.5, 15] ms and the p99.9 (112.8 ms) in (110, 120]: each is known to within its bucket.
    assertThat(num(row(rows, "quantity", "p95"), "noneErrorMs")).isEqualTo(2.5);
    assertThat(num(row(rows, "quantity", "p95"), "none")).isBetween(12.5, 15.0);
    assertThat(num(row(rows, "quantity", "p99.9"), "noneErrorMs")).isEqualTo(10.0);
    assertThat(num(row(rows, "quantity", "p99.9"), "none")).isBetween(110.0, 120.0);
    // About 0.02% of this model lies above 120 ms, in the +Inf bucket: its p99.99 has no upper bound.
    assertThat(row(rows, "quantity", "p99.99").get("noneErrorMs")).isEqualTo("unbounded");
    // A delay on a bucket edge is covered exactly: the count at an edge is what the histogram holds.
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> cdf = (List<Map<String, Object>>) LabRunner.params(dir.resolve("advise.json")).get("cdf");
    assertThat(row(cdf, "delayMs", 20.0)).containsEntry("errorMs", "exact (bucket edge)");
    assertThat(num(row(rows, "quantity", "extraLoad"), "fixed")).isBetween(0.045, 0.055);
    assertWhatifHedgesTheTail(file, "--format", "prometheus");
  }

  @Test
  void prometheusFileWithSeveralHistogramsNeedsMetric() throws Exception {
    Path file = Files.write(dir.resolve("two.prom"), List.of("a_seconds_bucket{le=\"0.1\"} 1", "a_seconds_bucket{le=\"+Inf\"} 1",
        "b_seconds_bucket{le=\"0.1\"} 1", "b_seconds_bucket{le=\"+Inf\"} 2"));
    assertThat(LabRunner.run("advise", "--latencies", file.toString(), "--format", "prometheus", "--out", dir.toString())[0]).isEqualTo(2);
    Object[] run = LabRunner.run("advise", "--latencies", file.toString(), "--format", "prometheus", "--metric", "b_seconds", "--out", dir.toString());
    assertThat(run[0]).isEqualTo(0);
    assertThat(LabRunner.params(dir.resolve("advise.json"))).containsEntry("samples", 2);
  }

  @Test
  void accessLogColumnByHeaderName() throws Exception {
    double[] ms = bimodal(4);
    List<String> lines = new ArrayList<>(List.of("time,path,status,latency_ms"));
    for (int i = 0; i < ms.length; i++) {
      // A quoted field with the delimiter inside stays one column.
      lines.add(String.format(Locale.ROOT, "2026-12-02T10:00:%02d,\"/search?q=a,b\",200,%.3f", i % 60, ms[i]));
    }
    lines.add(2, "2026-12-02T10:00:00,/health,200,-");
    lines.add(3, "2026-12-02T10:00:00,/short");
    Path file = Files.write(dir.resolve("access.csv"), lines);
    String out = advise(file, "--format", "access-log", "--column", "latency_ms");
    assertThat(out).contains("skipped 2 line(s)", "line 3: '2026-12-02T10:00:00,/health,200,-' (column 4 '-' is not a number)",
        "line 4: '2026-12-02T10:00:00,/short' (has 2 column(s))");
    assertBimodal(0.01);
    assertWhatifHedgesTheTail(file, "--format", "access-log", "--column", "latency_ms");
  }

  @Test
  void accessLogColumnByIndexSplitOnSpacesInSeconds() throws Exception {
    double[] ms = bimodal(5);
    List<String> lines = new ArrayList<>();
    for (double v : ms) {
      lines.add(String.format(Locale.ROOT, "127.0.0.1 - [02/Dec/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 200 512 %.6f", v / 1000));
    }
    lines.add(0, "127.0.0.1 - [02/Dec/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 502 0 -");
    Path file = Files.write(dir.resolve("access.log"), lines);
    String out = advise(file, "--format", "access-log", "--column", "7", "--delimiter", "space", "--unit", "s");
    assertThat(out).contains("skipped 1 line(s)", "line 1: ", "(column 7 '-' is not a number)");
    assertBimodal(0.01);
  }

  @Test
  void optionsOfAnotherFormOrAMissingColumnAreUsageErrors() throws Exception {
    Path file = Files.write(dir.resolve("x.txt"), List.of("1", "2"));
    assertThat(LabRunner.run("advise", "--latencies", file.toString(), "--column", "2", "--out", dir.toString())[0]).isEqualTo(2);
    assertThat(LabRunner.run("advise", "--latencies", file.toString(), "--format", "access-log", "--out", dir.toString())[0]).isEqualTo(2);
    assertThat(LabRunner.run("advise", "--latencies", file.toString(), "--format", "csv", "--out", dir.toString())[0]).isEqualTo(2);
    assertThat(LabRunner.run("advise", "--latencies", file.toString(), "--unit", "minutes", "--out", dir.toString())[0]).isEqualTo(2);
    assertThat(LabRunner.run("advise", "--latencies", file.toString(), "--format", "access-log", "--column", "nope", "--out", dir.toString())[0])
        .isEqualTo(2);
    assertThat(LabRunner.run("whatif", "--latencies", file.toString(), "--correlation", "1.5", "--out", dir.toString())[0]).isEqualTo(2);
    assertThat(LabRunner.run("whatif", "--latencies", file.toString(), "--fixed-at", "95", "--out", dir.toString())[0]).isEqualTo(2);
  }

  /** Runs advise and returns its terminal output. */
  private String advise(Path file, String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of("advise", "--latencies", file.toString(), "--out", dir.toString()));
    args.addAll(List.of(options));
    Object[] run = LabRunner.run(args.toArray(String[]::new));
    assertThat(run[0]).as((String) run[1]).isEqualTo(0);
    assertThat((String) run[1]).contains("== advise: CDF", "covers");
    return (String) run[1];
  }

  /** The advice JSON matches the model: p95 and p99.9 near the exact values, the 5% hedge cuts the tail. */
  private void assertBimodal(double tolerance) throws Exception {
    List<Map<String, Object>> rows = LabRunner.rows(dir.resolve("advise.json"));
    assertThat(num(row(rows, "quantity", "p95"), "none")).isBetween(13.49 * (1 - tolerance), 13.49 * (1 + tolerance));
    assertThat(num(row(rows, "quantity", "p99.9"), "none")).isBetween(106.0, 119.0);
    assertThat(num(row(rows, "quantity", "p99.9"), "fixed")).isBetween(24.0, 29.0);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> cdf = (List<Map<String, Object>>) LabRunner.params(dir.resolve("advise.json")).get("cdf");
    Map<String, Object> p95 = row(cdf, "quantile", "p95");
    assertThat(p95.get("covers")).isEqualTo("95.0%");
  }

  /** whatif reads the same file: hedging at its p95 cuts the p99.9 below a third of none's. */
  private void assertWhatifHedgesTheTail(Path file, String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of("whatif", "--latencies", file.toString(), "--out", dir.toString(), "--requests", "20000",
        "--fixed-at", "0.95", "--adaptive", "none", "--optimal", "none", "--clone", "none", "--retry-timeout-at", "none"));
    args.addAll(List.of(options));
    Object[] run = LabRunner.run(args.toArray(String[]::new));
    assertThat(run[0]).as((String) run[1]).isEqualTo(0);
    List<Map<String, Object>> rows = LabRunner.rows(dir.resolve("whatif.json"));
    assertThat(rows).hasSize(2);
    double none = num(row(rows, "kind", "none"), "p999Ms");
    double fixed = num(row(rows, "kind", "fixed"), "p999Ms");
    assertThat(none).isGreaterThan(100);
    assertThat(fixed).isLessThan(none / 3);
    assertThat(num(row(rows, "kind", "fixed"), "extraLoad")).isBetween(0.04, 0.06);
    assertThat(Files.size(dir.resolve("whatif.png"))).isPositive();
  }
}
