package dev.tailguard.lab.advise;

import dev.tailguard.lab.Percentiles;
import dev.tailguard.lab.Row;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.advise.source.LatencySample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/** The advisor's numbers for one latency distribution and budget. */
final class Advice {
  private static final double[] CDF_POINTS = {0.5, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999};
  /** The quantiles the CDF table always shows. */
  private static final double[] TABLE_POINTS = {0.5, 0.75, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999};
  /** Candidate delays for the optimal search: this many quantiles between p50 and p99.99. */
  private static final int CANDIDATES = 200;

  final SurvivalFunction survival;
  final double budget;
  final double fixedDelay;
  final double optimalDelay;
  final double optimalProbability;

  private Advice(SurvivalFunction survival, double budget, double fixedDelay, double optimalDelay, double optimalProbability) {
    this.survival = survival;
    this.budget = budget;
    this.fixedDelay = fixedDelay;
    this.optimalDelay = optimalDelay;
    this.optimalProbability = optimalProbability;
  }

  static Advice of(SurvivalFunction survival, double budget) {
    double fixed = survival.quantile(1 - budget);
    double bestDelay = fixed;
    double bestQ = 1;
    double bestP999 = survival.hedgedQuantile(0.999, fixed, 1);
    for (int i = 0; i <= CANDIDATES; i++) {
      double p = 0.5 + (0.9999 - 0.5) * i / CANDIDATES;
      double d = survival.quantile(p);
      double s = survival.at(d);
      // Hedging after d costs q·S(d) extra load; spend the whole budget.
      double q = s <= 0 ? 1 : Math.min(1, budget / s);
      double p999 = survival.hedgedQuantile(0.999, d, q);
      if (p999 < bestP999) {
        bestP999 = p999;
        bestDelay = d;
        bestQ = q;
      }
    }
    return new Advice(survival, budget, fixed, bestDelay, bestQ);
  }

  ScenarioResult toResult(LatencySample sample) {
    ScenarioResult result = new ScenarioResult("advise").param("samples", sample.count()).param("skippedLines", sample.badCount()).param("budget", budget);
    for (double p : CDF_POINTS) {
      Row row = Row.of("quantity", "p" + trim(p * 100)).with("none", Percentiles.round2(survival.quantile(p)));
      if (sample.interpolated()) {
        double error = sample.errorAtQuantile(p);
        row.with("noneErrorMs", Double.isInfinite(error) ? "unbounded" : (Object) Percentiles.round2(error));
      }
      result.row(row.with("fixed", Percentiles.round2(survival.hedgedQuantile(p, fixedDelay, 1)))
          .with("optimal", Percentiles.round2(survival.hedgedQuantile(p, optimalDelay, optimalProbability))).build());
    }
    result.row(Row.of("quantity", "extraLoad").with("none", 0.0)
        .with("fixed", Percentiles.round2(survival.at(fixedDelay)))
        .with("optimal", Percentiles.round2(optimalProbability * survival.at(optimalDelay))).build());
    result.note(String.format("Recommended fixed hedge delay for a %.0f%% budget: %.2f ms (the p%s).", budget * 100, fixedDelay, trim((1 - budget) * 100)));
    result.note(String.format("Budget-optimal randomized hedge: after d = %.2f ms with probability q = %.3f.", optimalDelay, optimalProbability));
    result.note("Predictions assume the backup's latency is independent of the primary's and drawn from the same distribution "
        + "(lab whatif --correlation shows what dependence costs).");
    if (sample.interpolated()) {
      result.note("The latencies come from histogram buckets: each quantile is known only to within its bucket's width (noneErrorMs, and errorMs in the CDF).");
    }
    return result;
  }

  /**
   * The CDF as brpc's guide reads it ("2 ms covers 95.5% of requests"): for each delay, the share
   * of requests that finish within it. Delays are the usual quantiles and round 1-2-5 values between
   * the p50 and the p99.99, ascending.
   */
  List<Map<String, Object>> cdf(LatencySample sample) {
    TreeMap<Double, String> delays = new TreeMap<>();
    double low = survival.quantile(0.5);
    double high = survival.quantile(0.9999);
    for (double decade = Math.pow(10, Math.floor(Math.log10(Math.max(low, 1e-3)))); decade <= high * 10; decade *= 10) {
      for (double step : new double[] {1, 2, 5}) {
        double delay = decade * step;
        if (delay >= low / 2 && delay <= high) {
          delays.putIfAbsent(Percentiles.round2(delay), "");
        }
      }
    }
    for (double p : TABLE_POINTS) {
      delays.put(survival.quantile(p), "p" + trim(p * 100));
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map.Entry<Double, String> delay : delays.entrySet()) {
      double covers = 1 - survival.at(delay.getKey());
      Row row = Row.of("delayMs", Percentiles.round2(delay.getKey())).with("covers", coverage(covers)).with("quantile", delay.getValue());
      if (sample.interpolated()) {
        double error = sample.errorAtQuantile(covers);
        row.with("errorMs", sample.onBucketEdge(delay.getKey()) ? "exact (bucket edge)"
            : Double.isInfinite(error) ? "unbounded (+Inf bucket)" : "±" + trim2(error));
      }
      rows.add(row.build());
    }
    return rows;
  }

  /** A share as a percentage with as many decimals as the tail needs: 95.5%, 99.95%, 99.995%. */
  static String coverage(double share) {
    double percent = 100 * share;
    int decimals = percent >= 99.99 ? 3 : percent >= 99 ? 2 : 1;
    return String.format(Locale.ROOT, "%." + decimals + "f%%", percent);
  }

  private static String trim2(double value) {
    return String.format(Locale.ROOT, "%.3f", value).replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  /** The tail (1 − CDF) on a log scale: without hedging, with the fixed delay, with the optimal rule. */
  void plot(Path png) throws IOException {
    XYChart chart = new XYChartBuilder().width(800).height(500).title("Latency tail: P(latency > t)")
        .xAxisTitle("t (ms)").yAxisTitle("1 - CDF").build();
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setMarkerSize(0);
    chart.getStyler().setXAxisDecimalPattern("#0.#");
    double yFloor = 1e-5;
    addSeries(chart, "no hedging", t -> survival.at(t), yFloor);
    addSeries(chart, String.format("fixed d=%.1f ms", fixedDelay), t -> survival.hedged(t, fixedDelay, 1), yFloor);
    addSeries(chart, String.format("optimal d=%.1f ms q=%.2f", optimalDelay, optimalProbability),
        t -> survival.hedged(t, optimalDelay, optimalProbability), yFloor);
    BitmapEncoder.saveBitmap(chart, png.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
  }

  private void addSeries(XYChart chart, String name, java.util.function.DoubleUnaryOperator tail, double floor) {
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    double max = survival.quantile(0.99999);
    for (int i = 0; i <= 400; i++) {
      double t = max * i / 400;
      double y = tail.applyAsDouble(t);
      if (y >= floor) {
        xs.add(t);
        ys.add(y);
      }
    }
    if (!xs.isEmpty()) {
      XYSeries series = chart.addSeries(name, xs, ys);
      series.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
    }
  }

  private static String trim(double value) {
    String text = String.format("%.2f", value);
    return text.replaceAll("0+$", "").replaceAll("\\.$", "");
  }
}
