package dev.tailguard.lab.advise.source;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Form {@code prometheus}: a histogram's {@code <name>_bucket{le="..."} <count>} lines in the text
 * exposition format (a scrape of {@code /metrics}). Counts are cumulative. Every series of the
 * metric is summed by {@code le}, as {@code sum by (le)} does. Inside a bucket the observations
 * are spread evenly, as {@code histogram_quantile} interpolates, so a quantile can be off by up to
 * the width of the bucket that holds it; observations in the {@code +Inf} bucket are counted at
 * the last finite edge (a lower bound). Other metrics, {@code _sum}, {@code _count} and comments
 * are passed over; a {@code _bucket} line that does not parse is skipped and reported by number.
 */
public final class PrometheusHistogram {
  /** Spread a bucket's count over at most this many evenly spaced values. */
  private static final int SLICES = 1000;
  private static final Pattern BUCKET =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)_bucket\\{(.*)\\}\\s+(\\S+)(\\s+-?\\d+)?\\s*$");
  private static final Pattern LE = Pattern.compile("(?:^|,)\\s*le\\s*=\\s*\"([^\"]*)\"");

  private PrometheusHistogram() {}

  /**
   * Reads {@code file}.
   *
   * @param metric the histogram's name without {@code _bucket}, or null when the file holds one
   * @param unit the unit of the {@code le} edges (Prometheus's base unit is seconds)
   * @throws IllegalArgumentException naming the problem when the file holds no such histogram,
   *     several without {@code metric}, or counts that are not cumulative
   */
  public static LatencySample read(Path file, String metric, LatencyUnit unit) throws IOException {
    LatencySample sample = new LatencySample();
    // metric -> series labels (without le) -> le -> cumulative count
    Map<String, Map<String, TreeMap<Double, Double>>> metrics = new LinkedHashMap<>();
    Lines.forEach(file, (line, number) -> {
      String text = line.strip();
      if (text.isEmpty() || text.startsWith("#") || !text.contains("_bucket")) {
        return;
      }
      Matcher bucket = BUCKET.matcher(text);
      if (!bucket.matches()) {
        sample.bad(number, line, "not a _bucket{le=\"...\"} <count> line");
        return;
      }
      String labels = bucket.group(2);
      Matcher le = LE.matcher(labels);
      if (!le.find()) {
        sample.bad(number, line, "no le label");
        return;
      }
      double edge = parseEdge(le.group(1));
      double count = Lines.parse(bucket.group(3));
      if (Double.isNaN(edge) || !(count >= 0) || Double.isInfinite(count)) {
        sample.bad(number, line, Double.isNaN(edge) ? "le is not a number" : "count is not a finite number >= 0");
        return;
      }
      String series = (labels.substring(0, le.start()) + labels.substring(le.end())).replaceAll("^\\s*,|,\\s*$", "").strip();
      metrics.computeIfAbsent(bucket.group(1), m -> new LinkedHashMap<>())
          .computeIfAbsent(series, s -> new TreeMap<>()).merge(edge, count, Double::sum);
    });
    Map<String, TreeMap<Double, Double>> chosen = choose(metrics, metric, file);
    TreeMap<Double, Double> cumulative = new TreeMap<>();
    for (TreeMap<Double, Double> series : chosen.values()) {
      if (!series.keySet().equals(chosen.values().iterator().next().keySet())) {
        throw new IllegalArgumentException("--metric: the series of '" + name(metrics, metric) + "' have different le edges; they cannot be summed");
      }
      series.forEach((edge, count) -> cumulative.merge(edge, count, Double::sum));
    }
    fill(sample, cumulative, unit);
    if (chosen.size() > 1) {
      sample.note("summed " + chosen.size() + " series of " + name(metrics, metric) + " by le");
    }
    return sample;
  }

  private static String name(Map<String, ?> metrics, String metric) {
    return metric != null ? metric : metrics.keySet().iterator().next();
  }

  private static Map<String, TreeMap<Double, Double>> choose(Map<String, Map<String, TreeMap<Double, Double>>> metrics, String metric, Path file) {
    if (metric != null) {
      Map<String, TreeMap<Double, Double>> found = metrics.get(metric);
      if (found == null) {
        throw new IllegalArgumentException("--metric: no histogram '" + metric + "' in " + file + " (found: " + metrics.keySet() + ")");
      }
      return found;
    }
    if (metrics.isEmpty()) {
      throw new IllegalArgumentException("--latencies: " + file + " holds no _bucket{le=\"...\"} line");
    }
    if (metrics.size() > 1) {
      throw new IllegalArgumentException("--metric is needed: " + file + " holds several histograms " + metrics.keySet());
    }
    return metrics.values().iterator().next();
  }

  private static double parseEdge(String text) {
    String edge = text.strip();
    if (edge.equalsIgnoreCase("+Inf") || edge.equalsIgnoreCase("Inf")) {
      return Double.POSITIVE_INFINITY;
    }
    double value = Lines.parse(edge);
    return Double.isInfinite(value) ? Double.NaN : value;
  }

  /** Turns cumulative bucket counts into evenly spread values. */
  private static void fill(LatencySample sample, TreeMap<Double, Double> cumulative, LatencyUnit unit) {
    double total = cumulative.lastEntry().getValue();
    double[] edges = new double[cumulative.size()];
    double[] shares = new double[cumulative.size()];
    double lowerMs = 0;
    double previous = 0;
    int i = 0;
    for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
      double count = bucket.getValue() - previous;
      if (count < 0) {
        throw new IllegalArgumentException(String.format(
            "--latencies: bucket counts are not cumulative: le=\"%s\" holds %s, fewer than the %s below it", bucket.getKey(), bucket.getValue(), previous));
      }
      double upperMs = bucket.getKey().isInfinite() ? lowerMs : Math.max(0, unit.toMillis(bucket.getKey()));
      if (bucket.getKey().isInfinite() && count > 0) {
        sample.note(String.format("%.0f observation(s) (%.3f%%) lie above the last finite edge le=\"%s\" and are counted at it: quantiles there are lower bounds",
            count, 100 * count / total, trim(cumulative.lowerKey(bucket.getKey()))));
      }
      spread(sample, lowerMs, upperMs, Math.round(count));
      edges[i] = bucket.getKey().isInfinite() ? Double.POSITIVE_INFINITY : upperMs;
      shares[i] = total > 0 ? bucket.getValue() / total : 1;
      i++;
      previous = bucket.getValue();
      lowerMs = upperMs;
    }
    sample.buckets(edges, shares);
    sample.note("values interpolated evenly inside " + cumulative.size() + " buckets (le read as " + unit
        + "): a quantile is only known to within the width of its bucket (the error column)");
  }

  private static String trim(Double edge) {
    return edge == null ? "?" : String.valueOf(edge).replaceAll("\\.0$", "");
  }

  /** Records {@code count} values spread evenly over (lower, upper]; all at upper when the bucket has no width. */
  private static void spread(LatencySample sample, double lowerMs, double upperMs, long count) {
    if (count <= 0) {
      return;
    }
    if (upperMs <= lowerMs) {
      sample.record(upperMs, count);
      return;
    }
    int slices = (int) Math.min(SLICES, count);
    long each = count / slices;
    long extra = count % slices;
    for (int j = 0; j < slices; j++) {
      double value = lowerMs + (upperMs - lowerMs) * (j + 0.5) / slices;
      sample.record(value, each + (j < extra ? 1 : 0));
    }
  }
}
