package dev.tailguard.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes {@code index.html}: every scenario's checks, table, anchors and notes, with plots
 * (XChart, embedded as PNG data so the page needs no network) and links to the JSON. Latency
 * scenarios get a CDF and a log-scale tail (1 − CDF) per model; the others get bar charts of their
 * headline numbers.
 */
public final class Report {
  /** The bar charts of non-latency scenarios: scenario → (category column, series column or null, value column). */
  private static final Map<String, String[][]> BARS = Map.of(
      "backoff", new String[][] {{"clients", "strategy", "calls"}, {"clients", "strategy", "completionMs"}},
      "storm", new String[][] {{"failureRate", "strategy", "amplification"}, {"failureRate", "strategy", "successRate"}},
      "overload", new String[][] {{"strategy", null, "goodput"}, {"strategy", null, "recoverySeconds"}},
      "idempotency", new String[][] {{"strategy", null, "duplicates"}});

  private Report() {}

  public static Path write(List<ScenarioResult> results, Path outDir) throws IOException {
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tailguard lab</title>\n<style>")
        .append("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}")
        .append("table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}")
        .append("th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.pass{color:#1a7f37;font-weight:bold}")
        .append(".fail{color:#cf222e;font-weight:bold}img{max-width:100%;border:1px solid #ddd;margin:.3em 0}.note{color:#555}")
        .append("</style></head><body>\n<h1>Tailguard lab</h1>\n<p>Every scenario's rows beside the published anchors, the bars it must meet, and plots. ")
        .append("Scenario JSON: ");
    for (ScenarioResult result : results) {
      html.append("<a href=\"").append(escape(result.scenario())).append(".json\">").append(escape(result.scenario())).append("</a> ");
    }
    html.append("</p>\n");
    for (ScenarioResult result : results) {
      section(html, result);
    }
    html.append("</body></html>\n");
    Files.createDirectories(outDir);
    Path index = outDir.resolve("index.html");
    Files.writeString(index, html.toString(), StandardCharsets.UTF_8);
    return index;
  }

  private static void section(StringBuilder html, ScenarioResult result) throws IOException {
    html.append("<h2 id=\"").append(escape(result.scenario())).append("\">").append(escape(result.scenario())).append("</h2>\n<ul>\n");
    for (Map<String, Object> check : result.checks()) {
      boolean pass = Boolean.TRUE.equals(check.get("pass"));
      html.append("<li><span class=\"").append(pass ? "pass\">PASS" : "fail\">FAIL").append("</span> ")
          .append(escape(String.valueOf(check.get("name")))).append(": ").append(escape(String.valueOf(check.get("detail")))).append("</li>\n");
    }
    html.append("</ul>\n");
    for (Map.Entry<String, Map<String, LatencyCurve>> group : result.curves().entrySet()) {
      html.append(image(cdf(result.scenario() + ": " + group.getKey() + ", CDF", group.getValue())));
      html.append(image(tail(result.scenario() + ": " + group.getKey() + ", tail (1 - CDF, log scale)", group.getValue())));
    }
    for (String[] bar : BARS.getOrDefault(result.scenario(), new String[0][])) {
      CategoryChart chart = bars(result, bar[0], bar[1], bar[2]);
      if (chart != null) {
        html.append(image(chart));
      }
    }
    html.append("<h3>Rows</h3>\n");
    table(html, result.rows());
    if (!result.anchors().isEmpty()) {
      html.append("<h3>Published anchors</h3>\n");
      table(html, result.anchors());
    }
    for (String note : result.notes()) {
      html.append("<p class=\"note\">").append(escape(note).replace("\n", "<br>")).append("</p>\n");
    }
  }

  private static XYChart cdf(String title, Map<String, LatencyCurve> curves) {
    XYChart chart = new XYChartBuilder().width(900).height(420).title(title).xAxisTitle("latency (ms)").yAxisTitle("CDF").build();
    style(chart);
    curves.forEach((name, curve) -> chart.addSeries(name, curve.millis(), curve.probabilities()).setMarker(SeriesMarkers.NONE));
    return chart;
  }

  private static XYChart tail(String title, Map<String, LatencyCurve> curves) {
    XYChart chart = new XYChartBuilder().width(900).height(420).title(title).xAxisTitle("latency (ms)").yAxisTitle("1 - CDF").build();
    style(chart);
    chart.getStyler().setYAxisLogarithmic(true);
    curves.forEach((name, curve) -> {
      double[] p = curve.probabilities();
      double[] tail = new double[p.length];
      for (int i = 0; i < p.length; i++) {
        tail[i] = Math.max(1e-6, 1 - p[i]);
      }
      chart.addSeries(name, curve.millis(), tail).setMarker(SeriesMarkers.NONE);
    });
    return chart;
  }

  private static void style(XYChart chart) {
    chart.getStyler().setXAxisDecimalPattern("#0.#");
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
  }

  /** A bar chart of {@code value} by {@code category}, one series per {@code series} value (or one series). */
  private static CategoryChart bars(ScenarioResult result, String category, String series, String value) {
    Set<String> categories = new LinkedHashSet<>();
    Map<String, Map<String, Double>> bySeries = new LinkedHashMap<>();
    for (Map<String, Object> row : result.rows()) {
      Object v = row.get(value);
      if (!(v instanceof Number)) {
        continue;
      }
      String c = String.valueOf(row.get(category));
      String s = series == null ? value : String.valueOf(row.get(series));
      categories.add(c);
      bySeries.computeIfAbsent(s, k -> new LinkedHashMap<>()).put(c, ((Number) v).doubleValue());
    }
    if (bySeries.isEmpty()) {
      return null;
    }
    CategoryChart chart = new CategoryChartBuilder().width(900).height(380)
        .title(result.scenario() + ": " + value + " by " + category).xAxisTitle(category).yAxisTitle(value).build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
    List<String> xs = new ArrayList<>(categories);
    bySeries.forEach((name, values) -> {
      List<Double> ys = new ArrayList<>();
      for (String x : xs) {
        ys.add(values.getOrDefault(x, 0.0));
      }
      chart.addSeries(name, xs, ys);
    });
    return chart;
  }

  private static String image(Chart<?, ?> chart) throws IOException {
    byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    return "<img alt=\"" + escape(chart.getTitle()) + "\" src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\">\n";
  }

  private static void table(StringBuilder html, List<Map<String, Object>> rows) {
    if (rows.isEmpty()) {
      return;
    }
    Set<String> columns = new LinkedHashSet<>();
    rows.forEach(row -> columns.addAll(row.keySet()));
    html.append("<table><tr>");
    columns.forEach(column -> html.append("<th>").append(escape(column)).append("</th>"));
    html.append("</tr>\n");
    for (Map<String, Object> row : rows) {
      html.append("<tr>");
      columns.forEach(column -> html.append("<td>").append(escape(String.valueOf(row.getOrDefault(column, "")))).append("</td>"));
      html.append("</tr>\n");
    }
    html.append("</table>\n");
  }

  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
