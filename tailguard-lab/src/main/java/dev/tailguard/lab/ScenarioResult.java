package dev.tailguard.lab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one scenario produced. Its JSON shape is kept stable because acceptance checks read it:
 * {@code {"scenario", "params", "rows": [{"strategy", ...}], "anchors": [{"source", "strategy",
 * ...}], "checks": [{"name", "pass", "detail"}], "notes": [...]}}.
 */
public final class ScenarioResult {
  private final String scenario;
  private final Map<String, Object> params = new LinkedHashMap<>();
  private final List<Map<String, Object>> rows = new ArrayList<>();
  private final List<Map<String, Object>> anchors = new ArrayList<>();
  private final List<Map<String, Object>> checks = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  /** Latency curves for the report's plots, by group (a model) and series (a strategy); not in the JSON. */
  private final Map<String, Map<String, LatencyCurve>> curves = new LinkedHashMap<>();

  public ScenarioResult(String scenario) {
    this.scenario = scenario;
  }

  public ScenarioResult param(String name, Object value) {
    params.put(name, value);
    return this;
  }

  /** Adds a row; the map's iteration order is the column order. */
  public void row(Map<String, Object> row) {
    rows.add(row);
  }

  public void anchor(Map<String, Object> anchor) {
    anchors.add(anchor);
  }

  /** Records whether one of the scenario's published bars holds. */
  public void check(String name, boolean pass, String detail) {
    Map<String, Object> check = new LinkedHashMap<>();
    check.put("name", name);
    check.put("pass", pass);
    check.put("detail", detail);
    checks.add(check);
  }

  public void note(String note) {
    notes.add(note);
  }

  /** Keeps a summary of one strategy's latencies (ms) for the report's CDF and tail plots. */
  public synchronized void latencies(String group, String series, double[] samplesMs) {
    curves.computeIfAbsent(group, g -> new LinkedHashMap<>()).put(series, LatencyCurve.of(samplesMs));
  }

  /** The latency curves by group, then series. */
  public synchronized Map<String, Map<String, LatencyCurve>> curves() {
    return curves;
  }

  public String scenario() {
    return scenario;
  }

  public List<Map<String, Object>> rows() {
    return rows;
  }

  public List<Map<String, Object>> anchors() {
    return anchors;
  }

  public List<Map<String, Object>> checks() {
    return checks;
  }

  public List<String> notes() {
    return notes;
  }

  public boolean allChecksPass() {
    return checks.stream().allMatch(check -> Boolean.TRUE.equals(check.get("pass")));
  }

  /** The JSON document. */
  public Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("scenario", scenario);
    json.put("params", params);
    json.put("rows", rows);
    json.put("anchors", anchors);
    json.put("checks", checks);
    json.put("notes", notes);
    return json;
  }
}
