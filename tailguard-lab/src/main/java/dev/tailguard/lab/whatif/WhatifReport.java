package dev.tailguard.lab.whatif;

import dev.tailguard.lab.Report;
import dev.tailguard.lab.ResultWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code whatif} section of the lab's report ({@code index.html#whatif}): what the replay read
 * and how it ran, the table of strategies beside no hedging, the strategy with the lowest p99.9,
 * the log-scale tail plot and the notes. Built from what {@code lab whatif} wrote ({@code
 * whatif.json} and {@code whatif.png}), so the command adds it to the page and a later full run of
 * the lab into the same directory keeps it.
 */
public final class WhatifReport {
  /** The section's anchor in the report. */
  public static final String ID = "whatif";
  static final String TITLE = "whatif: your latencies through the real engines";
  static final String PLOT_ALT = "whatif: latency tail, P(latency > t), log scale";

  private WhatifReport() {}

  /**
   * The section for the whatif run whose results are in {@code outDir}, or empty when none ran
   * there (no {@code whatif.json} or no {@code whatif.png}).
   */
  public static Optional<Report.Section> fromOutDir(Path outDir) throws IOException {
    Path json = outDir.resolve("whatif.json");
    Path png = outDir.resolve("whatif.png");
    // Half a run (one file deleted or not yet written) has nothing complete to show.
    if (!Files.isRegularFile(json) || !Files.isRegularFile(png)) {
      return Optional.empty();
    }
    return Optional.of(section(ResultWriter.read(json), Files.readAllBytes(png)));
  }

  /** The section for one run's JSON document ({@code ScenarioResult#toJson} or the file read back) and its tail plot. */
  @SuppressWarnings("unchecked")
  static Report.Section section(Map<String, Object> json, byte[] tailPng) {
    Map<String, Object> params = (Map<String, Object>) json.getOrDefault("params", Map.of());
    List<Map<String, Object>> rows = (List<Map<String, Object>>) json.getOrDefault("rows", List.of());
    List<Object> notes = (List<Object>) json.getOrDefault("notes", List.of());
    StringBuilder html = new StringBuilder("<p>");
    html.append(escape(String.format("Your latencies (%s, format %s, %s samples, %s lines skipped) replayed in virtual time: %s calls per strategy "
            + "arriving Poisson at %s/s, correlation %s, retry budget %s, seed %s; run at %s. From whatif.json.",
        params.get("latencies"), params.get("format"), params.get("samples"), params.get("skippedLines"), params.get("requests"),
        params.get("ratePerSecond"), params.get("correlation"), params.get("retryBudget"), params.get("seed"), params.getOrDefault("ranAt", "an unknown time"))));
    html.append("</p>\n");
    best(rows).ifPresent(line -> html.append("<p><b>").append(escape(line)).append("</b></p>\n"));
    Report.table(html, rows);
    html.append(Report.image(PLOT_ALT, tailPng));
    for (Object note : notes) {
      html.append("<p class=\"note\">").append(escape(String.valueOf(note))).append("</p>\n");
    }
    return new Report.Section(ID, TITLE, html.toString());
  }

  /** "Lowest p99.9: …" for the strategy with the lowest p99.9 beside the no-hedging row, or empty without both. */
  private static Optional<String> best(List<Map<String, Object>> rows) {
    Optional<Map<String, Object>> none = rows.stream().filter(row -> "none".equals(row.get("kind"))).findFirst();
    Optional<Map<String, Object>> best = rows.stream().filter(row -> !"none".equals(row.get("kind")) && row.get("p999Ms") instanceof Number)
        .min((a, b) -> Double.compare(((Number) a.get("p999Ms")).doubleValue(), ((Number) b.get("p999Ms")).doubleValue()));
    // Nothing to compare: the user asked for no strategy beside none.
    if (none.isEmpty() || best.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Object> row = best.get();
    return Optional.of(String.format("Lowest p99.9: %s, %s ms against %s ms without hedging, for %s extra load and %s failed calls.",
        row.get("strategy"), row.get("p999Ms"), none.get().get("p999Ms"), row.get("extraLoad"), row.get("failed")));
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
