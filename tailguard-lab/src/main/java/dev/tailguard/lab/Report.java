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
 * Writes {@code index.html}: a summary table of every scenario (its verdicts and headline number
 * beside the anchor), the wall-clock verdicts with their noise, the machine facts, any extra
 * {@link Section}s, then every scenario's checks, table, anchors and notes, with plots (XChart,
 * embedded as PNG data so the page needs no network) and links to the JSON. Latency scenarios get
 * a CDF and a log-scale tail (1 − CDF) per model; the others get bar charts of their headline
 * numbers. A short script marks on the page whether every plot decoded, for headless checks.
 */
public final class Report {
  /** The bar charts of non-latency scenarios: scenario → (category column, series column or null, value column). */
  private static final Map<String, String[][]> BARS = Map.of(
      "backoff", new String[][] {{"clients", "strategy", "calls"}, {"clients", "strategy", "completionMs"}},
      "storm", new String[][] {{"failureRate", "strategy", "amplification"}, {"failureRate", "strategy", "successRate"}},
      "overload", new String[][] {{"strategy", null, "goodput"}, {"strategy", null, "recoverySeconds"}},
      "idempotency", new String[][] {{"strategy", null, "duplicates"}});

  private Report() {}

  /**
   * A section the report renders as given, after the machine facts and before the scenarios: the
   * hook for output that is not a scenario (a {@code whatif} replay of the user's traffic). Its
   * {@code html} is trusted and inserted as is; build tables with {@link #table} and plots with
   * {@link #image}, and every {@code <img>} in it is checked like the scenarios' plots.
   *
   * @param id the anchor ({@code index.html#id}), letters, digits and dashes
   * @param title the heading, escaped when rendered
   * @param html the body
   */
  public record Section(String id, String title, String html) {
    public Section {
      // The id becomes an HTML anchor; anything else could break the page.
      if (id == null || !id.matches("[A-Za-z0-9-]+")) {
        throw new IllegalArgumentException("section id must be letters, digits and dashes: " + id);
      }
      if (title == null || html == null) {
        throw new IllegalArgumentException("section title and html must not be null: " + id);
      }
    }
  }

  /** Writes {@code outDir/index.html} for the scenarios' results. */
  public static Path write(List<ScenarioResult> results, Path outDir) throws IOException {
    return write(results, List.of(), outDir);
  }

  /**
   * Writes {@code outDir/index.html}: the summary table of every scenario, the wall-clock verdicts
   * with their noise, the machine facts, then {@code extraSections} in order, then each scenario.
   */
  public static Path write(List<ScenarioResult> results, List<Section> extraSections, Path outDir) throws IOException {
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tailguard lab</title>\n<style>")
        .append("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}")
        .append("table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}")
        .append("th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.pass{color:#1a7f37;font-weight:bold}")
        .append(".fail{color:#cf222e;font-weight:bold}.inconclusive{color:#9a6700;font-weight:bold}td.text{text-align:left}")
        .append("img{max-width:100%;border:1px solid #ddd;margin:.3em 0}.note{color:#555}.why{color:#9a6700}")
        .append("</style></head><body>\n<h1>Tailguard lab</h1>\n<p>Every scenario's verdicts and headline number beside its anchor, then the wall-clock ")
        .append("verdicts with their noise, the machine the run used, and each scenario's rows, anchors and plots. Scenario JSON: ");
    for (ScenarioResult result : results) {
      html.append("<a href=\"").append(escape(result.scenario())).append(".json\">").append(escape(result.scenario())).append("</a> ");
    }
    html.append("</p>\n");
    summary(html, results, extraSections);
    wallClockVerdicts(html, results);
    machine(html, results);
    for (Section extra : extraSections) {
      html.append(sectionBlock(extra));
    }
    html.append(SECTIONS_END);
    for (ScenarioResult result : results) {
      section(html, result);
    }
    html.append(PLOT_CHECK);
    html.append("</body></html>\n");
    Files.createDirectories(outDir);
    Path index = outDir.resolve("index.html");
    Files.writeString(index, html.toString(), StandardCharsets.UTF_8);
    return index;
  }

  /** Where {@link #putSection} adds a section's summary row and its body to a written report. */
  private static final String ROWS_END = "<!-- extra-rows-end -->\n";
  private static final String SECTIONS_END = "<!-- extra-sections-end -->\n";

  /** A section's line in the summary table, between markers {@link #putSection} finds again. */
  private static String summaryRow(Section extra) {
    return "<!-- extra-row:" + extra.id() + " --><tr><td><a href=\"#" + extra.id() + "\">" + escape(extra.title())
        + "</a></td><td>-</td><td></td><td></td><td></td><td></td></tr><!-- /extra-row:" + extra.id() + " -->\n";
  }

  /** A section's body, between markers {@link #putSection} finds again. */
  private static String sectionBlock(Section extra) {
    return "<!-- extra:" + extra.id() + " --><section class=\"extra\" id=\"" + extra.id() + "\">\n<h2>" + escape(extra.title()) + "</h2>\n"
        + extra.html() + "\n</section><!-- /extra:" + extra.id() + " -->\n";
  }

  /**
   * Adds {@code section} to the report already in {@code outDir/index.html}, replacing a section of
   * the same id, and keeps everything else on the page: how a command run on its own ({@code lab
   * whatif}) joins the page of the last full run. Without a report there (or with one this version
   * did not write), writes a report holding only the section.
   *
   * @return the report's path
   */
  public static Path putSection(Path outDir, Section section) throws IOException {
    Path index = outDir.resolve("index.html");
    String html = Files.isRegularFile(index) ? Files.readString(index, StandardCharsets.UTF_8) : "";
    // A page without both markers has nowhere to put the section; a fresh page is the honest fallback.
    if (!html.contains(ROWS_END) || !html.contains(SECTIONS_END)) {
      return write(List.of(), List.of(section), outDir);
    }
    String id = java.util.regex.Pattern.quote(section.id());
    html = html.replaceAll("(?s)<!-- extra-row:" + id + " -->.*?<!-- /extra-row:" + id + " -->\n", "")
        .replaceAll("(?s)<!-- extra:" + id + " -->.*?<!-- /extra:" + id + " -->\n", "");
    html = html.replace(ROWS_END, summaryRow(section) + ROWS_END)
        .replace(SECTIONS_END, sectionBlock(section) + SECTIONS_END);
    Files.writeString(index, html, StandardCharsets.UTF_8);
    return index;
  }

  /**
   * Marks the page with how many plots decoded ({@code data-plots="rendered/total"} on the body)
   * and reports a broken one on the console, so a headless browser can check the page.
   */
  private static final String PLOT_CHECK = "<script>\nwindow.addEventListener('load', function () {\n"
      + "  var images = document.images, rendered = 0;\n"
      + "  for (var i = 0; i < images.length; i++) {\n"
      + "    if (images[i].complete && images[i].naturalWidth > 0) { rendered++; } else { console.error('plot not rendered: ' + images[i].alt); }\n"
      + "  }\n"
      + "  document.body.setAttribute('data-plots', rendered + '/' + images.length);\n"
      + "});\n</script>\n";

  private static void summary(StringBuilder html, List<ScenarioResult> results, List<Section> extraSections) {
    html.append("<h2 id=\"summary\">Summary</h2>\n<table><tr><th>scenario</th><th>verdict</th><th>checks</th><th>headline</th>")
        .append("<th>Tailguard</th><th>anchor</th></tr>\n");
    for (ScenarioResult result : results) {
      Map<String, Object> headline = result.headline();
      html.append("<tr><td><a href=\"#").append(escape(result.scenario())).append("\">").append(escape(result.scenario())).append("</a></td><td>")
          .append(badge(result.checks().isEmpty() ? null : result.verdict())).append("</td><td class=\"text\">");
      for (Map<String, Object> check : result.checks()) {
        html.append(badge(ScenarioResult.verdictOf(check))).append(' ').append(escape(String.valueOf(check.get("name")))).append("<br>");
      }
      html.append("</td><td class=\"text\">").append(escape(String.valueOf(headline.getOrDefault("what", "-"))))
          .append("</td><td>").append(escape(String.valueOf(headline.getOrDefault("value", "-"))))
          .append("</td><td class=\"text\">").append(escape(String.valueOf(headline.getOrDefault("anchor", "-")))).append("</td></tr>\n");
    }
    for (Section extra : extraSections) {
      html.append(summaryRow(extra));
    }
    html.append(ROWS_END).append("</table>\n");
  }

  private static void wallClockVerdicts(StringBuilder html, List<ScenarioResult> results) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<String> plots = new ArrayList<>();
    for (ScenarioResult result : results) {
      for (Map<String, Object> check : result.checks()) {
        if (!"wall-clock".equals(check.get("kind"))) {
          continue;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> noise = check.get("noise") instanceof Map ? (Map<String, Object>) check.get("noise") : Map.of();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("scenario", result.scenario());
        row.put("check", check.get("name"));
        row.put("verdict", ScenarioResult.verdictOf(check));
        row.put("estimate", noise.getOrDefault("estimate", ""));
        row.put("95% CI", noise.containsKey("ci95") ? noise.get("ci95") : "");
        row.put("bar", noise.getOrDefault("bar", ""));
        row.put("rounds", noise.getOrDefault("rounds", ""));
        row.put("per-round range", noise.containsKey("perRoundMin") ? noise.get("perRoundMin") + " - " + noise.get("perRoundMax") : "");
        row.put("why", check.getOrDefault("reason", ""));
        rows.add(row);
        XYChart chart = noisePlot(result.scenario() + ": " + check.get("name"), noise);
        if (chart != null) {
          plots.add(image(chart));
        }
      }
    }
    if (rows.isEmpty()) {
      return;
    }
    html.append("<h2 id=\"wall-clock\">Wall-clock verdicts and their noise</h2>\n<p>Each compares a strategy with its baseline measured ")
        .append("in the same run, interleaved in rounds. PASS: the whole 95% interval meets the bar; FAIL: the whole interval misses it on a quiet ")
        .append("machine; INCONCLUSIVE: the interval straddles the bar, or it misses the bar while the machine was too busy to tell.</p>\n");
    html.append("<table><tr>");
    rows.get(0).keySet().forEach(column -> html.append("<th>").append(escape(column)).append("</th>"));
    html.append("</tr>\n");
    for (Map<String, Object> row : rows) {
      html.append("<tr>");
      row.forEach((column, value) -> {
        if (column.equals("verdict")) {
          html.append("<td>").append(badge((Verdict) value)).append("</td>");
        } else {
          boolean text = column.equals("check") || column.equals("why") || column.equals("scenario");
          html.append(text ? "<td class=\"text\">" : "<td>").append(escape(String.valueOf(value))).append("</td>");
        }
      });
      html.append("</tr>\n");
    }
    html.append("</table>\n");
    plots.forEach(html::append);
  }

  /** Each round's value as a point, with the pooled estimate, its interval and the bar as lines; null without rounds. */
  private static XYChart noisePlot(String title, Map<String, Object> noise) {
    if (!(noise.get("perRound") instanceof List<?> perRound) || perRound.isEmpty() || !(noise.get("bar") instanceof Number bar)
        || !(noise.get("ci95") instanceof List<?> ci)) {
      return null;
    }
    double[] x = new double[perRound.size()];
    double[] y = new double[perRound.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = i + 1;
      y[i] = ((Number) perRound.get(i)).doubleValue();
    }
    XYChart chart = new XYChartBuilder().width(900).height(300).title(title).xAxisTitle("round").yAxisTitle("value").build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
    chart.getStyler().setXAxisDecimalPattern("#0");
    double[] ends = {1, Math.max(2, x.length)};
    chart.addSeries("each round", x, y).setXYSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
    chart.addSeries("bar", ends, new double[] {bar.doubleValue(), bar.doubleValue()}).setMarker(SeriesMarkers.NONE);
    double estimate = ((Number) noise.get("estimate")).doubleValue();
    chart.addSeries("pooled estimate", ends, new double[] {estimate, estimate}).setMarker(SeriesMarkers.NONE);
    double low = ((Number) ci.get(0)).doubleValue();
    double high = ((Number) ci.get(1)).doubleValue();
    chart.addSeries("95% CI low", ends, new double[] {low, low}).setMarker(SeriesMarkers.NONE);
    chart.addSeries("95% CI high", ends, new double[] {high, high}).setMarker(SeriesMarkers.NONE);
    return chart;
  }

  private static void machine(StringBuilder html, List<ScenarioResult> results) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (ScenarioResult result : results) {
      if (result.machine().isEmpty()) {
        continue;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("scenario", result.scenario());
      row.putAll(result.machine());
      row.put("wallSeconds", result.params().get("wallSeconds"));
      rows.add(row);
    }
    if (rows.isEmpty()) {
      return;
    }
    html.append("<h2 id=\"machine\">The machine</h2>\n<p>What each scenario ran on: load averages (1 minute) at its start and end, and the ")
        .append("share of all CPU time that other processes used meanwhile (from /proc/stat minus the lab's own CPU time; empty where not measurable).</p>\n");
    table(html, rows);
  }

  private static String badge(Verdict verdict) {
    if (verdict == null) {
      return "-";
    }
    return "<span class=\"" + verdict.name().toLowerCase(java.util.Locale.ROOT) + "\">" + verdict.name() + "</span>";
  }

  private static void section(StringBuilder html, ScenarioResult result) throws IOException {
    html.append("<h2 id=\"").append(escape(result.scenario())).append("\">").append(escape(result.scenario())).append("</h2>\n<ul>\n");
    for (Map<String, Object> check : result.checks()) {
      html.append("<li>").append(badge(ScenarioResult.verdictOf(check))).append(' ')
          .append(escape(String.valueOf(check.get("name")))).append(": ").append(escape(String.valueOf(check.get("detail"))));
      if (check.get("reason") != null) {
        html.append("<br><span class=\"why\">why: ").append(escape(String.valueOf(check.get("reason")))).append("</span>");
      }
      html.append("</li>\n");
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

  /** A plot as an {@code <img>} with its PNG inline, so the page needs no network; for {@link Section}s too. */
  public static String image(Chart<?, ?> chart) throws IOException {
    return image(chart.getTitle(), BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
  }

  /** A PNG already encoded (a plot a command wrote to a file) as an {@code <img>} with its bytes inline; for {@link Section}s. */
  public static String image(String alt, byte[] png) {
    return "<img alt=\"" + escape(alt) + "\" src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\">\n";
  }

  /** Rows as an HTML table, columns the union of the rows' keys, values escaped; for {@link Section}s too. */
  public static void table(StringBuilder html, List<Map<String, Object>> rows) {
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
