package dev.tailguard.lab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one scenario produced. Its JSON shape is kept stable because acceptance checks read it:
 * {@code {"scenario", "params", "rows": [{"strategy", ...}], "anchors": [{"source", "strategy",
 * ...}], "checks": [{"name", "verdict", "pass", "detail", ...}], "notes": [...], "machine": {...}}}.
 * A check's {@code pass} is true only for {@link Verdict#PASS}; a wall-clock check adds its
 * {@code noise} (rounds, spread, confidence interval) and, when inconclusive, its {@code reason}.
 */
public final class ScenarioResult {
  private final String scenario;
  private final Map<String, Object> params = new LinkedHashMap<>();
  private final List<Map<String, Object>> rows = new ArrayList<>();
  private final List<Map<String, Object>> anchors = new ArrayList<>();
  private final List<Map<String, Object>> checks = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final Map<String, Object> machine = new LinkedHashMap<>();
  private final Map<String, Object> headline = new LinkedHashMap<>();
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

  /** Records whether one of the scenario's exact (virtual-time or counted) bars holds: PASS or FAIL. */
  public void check(String name, boolean pass, String detail) {
    Map<String, Object> check = newCheck(name, pass ? Verdict.PASS : Verdict.FAIL, detail);
    check.put("kind", "exact");
    checks.add(check);
  }

  /**
   * Records a wall-clock check: its verdict, what it measured, its noise (any JSON-able map:
   * rounds, per-round values, confidence interval) and, unless it passed or failed cleanly, the
   * reason it could not tell.
   */
  public void check(String name, Verdict verdict, String detail, Map<String, Object> noise, String reason) {
    Map<String, Object> check = newCheck(name, verdict, detail);
    check.put("kind", "wall-clock");
    check.put("noise", noise);
    if (reason != null) {
      check.put("reason", reason);
    }
    checks.add(check);
  }

  private static Map<String, Object> newCheck(String name, Verdict verdict, String detail) {
    Map<String, Object> check = new LinkedHashMap<>();
    check.put("name", name);
    check.put("verdict", verdict.name());
    check.put("pass", verdict == Verdict.PASS);
    check.put("detail", detail);
    return check;
  }

  /** A check's verdict; checks written before verdicts existed read from {@code pass}. */
  public static Verdict verdictOf(Map<String, Object> check) {
    Object verdict = check.get("verdict");
    if (verdict != null) {
      return Verdict.valueOf(verdict.toString());
    }
    return Boolean.TRUE.equals(check.get("pass")) ? Verdict.PASS : Verdict.FAIL;
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

  public Map<String, Object> params() {
    return params;
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

  /** True when every check is PASS. */
  public boolean allChecksPass() {
    return verdict() == Verdict.PASS;
  }

  /** The scenario's verdict: FAIL if any check failed, else INCONCLUSIVE if any was, else PASS. */
  public Verdict verdict() {
    Verdict worst = Verdict.PASS;
    for (Map<String, Object> check : checks) {
      worst = worst.worse(verdictOf(check));
    }
    return worst;
  }

  /**
   * The scenario's headline number for the report's summary table: what it is, our value, and the
   * published anchor it stands beside (a value with its source, or a bar).
   */
  public ScenarioResult headline(String what, String value, String anchor) {
    headline.put("what", what);
    headline.put("value", value);
    headline.put("anchor", anchor);
    return this;
  }

  /** The headline (what, value, anchor), empty when the scenario set none. */
  public Map<String, Object> headline() {
    return headline;
  }

  /** Records what the run ran on (see {@link MachineFacts}); written as {@code machine}. */
  public ScenarioResult machine(Map<String, Object> facts) {
    machine.putAll(facts);
    return this;
  }

  public Map<String, Object> machine() {
    return machine;
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
    json.put("machine", machine);
    json.put("headline", headline);
    return json;
  }
}
