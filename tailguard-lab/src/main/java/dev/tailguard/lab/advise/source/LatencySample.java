package dev.tailguard.lab.advise.source;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Latencies read from one file: a histogram in microseconds (three significant digits, up to an
 * hour), the lines that were skipped and why, and, for a source that only knows bucket counts,
 * the bucket edges that bound every quantile's error. Not thread-safe; filled by one reader.
 */
public final class LatencySample {
  /** Microsecond resolution up to an hour. */
  public static final long MAX_MICROS = 3_600_000_000L;
  private static final int REPORTED_BAD_LINES = 10;

  private final Histogram micros = new Histogram(MAX_MICROS, 3);
  private final List<String> badLines = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private long badCount;
  private long clamped;
  /** Ascending bucket upper edges in ms for interpolated sources (+∞ last when present), or null. */
  private double[] bucketEdgesMs;
  /** The share of the sample at or below each edge. */
  private double[] cumulativeShare;

  LatencySample() {}

  /** Records {@code count} latencies of {@code millis}; above an hour they count as an hour. */
  void record(double millis, long count) {
    long value = Math.round(millis * 1000);
    if (value > MAX_MICROS) {
      clamped += count;
      value = MAX_MICROS;
    }
    micros.recordValueWithCount(Math.max(0, value), count);
  }

  /** Skips line {@code number}, remembering the first few for the report. */
  void bad(long number, String text, String why) {
    badCount++;
    if (badLines.size() < REPORTED_BAD_LINES) {
      String stripped = text.strip();
      String shown = stripped.length() > 40 ? stripped.substring(0, 40) + "…" : stripped;
      badLines.add("line " + number + ": " + (stripped.isEmpty() ? "blank" : "'" + shown + "'") + (why.isEmpty() ? "" : " (" + why + ")"));
    }
  }

  void note(String note) {
    notes.add(note);
  }

  /** Marks the sample as interpolated from buckets with these upper edges (ms) and cumulative shares. */
  void buckets(double[] edgesMs, double[] cumulativeShares) {
    this.bucketEdgesMs = edgesMs.clone();
    this.cumulativeShare = cumulativeShares.clone();
  }

  /** The latencies in microseconds. */
  public Histogram micros() {
    return micros;
  }

  /** How many latencies were read. */
  public long count() {
    return micros.getTotalCount();
  }

  /** How many lines were skipped. */
  public long badCount() {
    return badCount;
  }

  /** The first skipped lines, as "line N: 'text' (why)". */
  public List<String> badLines() {
    return List.copyOf(badLines);
  }

  /** What the reader assumed (buckets summed, an open last bucket, ...). */
  public List<String> notes() {
    return List.copyOf(notes);
  }

  /** Whether values come from bucket counts, interpolated inside each bucket. */
  public boolean interpolated() {
    return bucketEdgesMs != null;
  }

  /**
   * The width of the bucket that holds the {@code p}-quantile: how far the true quantile can be
   * from the interpolated one. 0 for sources that saw every value (to histogram precision), +∞ in
   * an open last bucket ({@code le="+Inf"}).
   */
  public double errorAtQuantile(double p) {
    if (bucketEdgesMs == null) {
      return 0;
    }
    double lower = 0;
    for (int i = 0; i < bucketEdgesMs.length; i++) {
      // Empty buckets hold no quantile; the first bucket that reaches p holds it.
      if (cumulativeShare[i] >= p - 1e-12 && cumulativeShare[i] > (i == 0 ? 0 : cumulativeShare[i - 1])) {
        return bucketEdgesMs[i] - lower;
      }
      lower = bucketEdgesMs[i];
    }
    return Double.POSITIVE_INFINITY;
  }

  /** Whether {@code valueMs} is one of the bucket edges, where the coverage is counted, not interpolated. */
  public boolean onBucketEdge(double valueMs) {
    if (bucketEdgesMs == null) {
      return false;
    }
    for (double edge : bucketEdgesMs) {
      if (Double.isFinite(edge) && Math.abs(valueMs - edge) <= 1e-9 * Math.max(1, edge)) {
        return true;
      }
    }
    return false;
  }

  /** Prints the skipped lines, clamped values and notes. */
  public void printWarnings(PrintStream out) {
    if (badCount > 0) {
      out.println("skipped " + badCount + " line(s):");
      badLines.forEach(line -> out.println("  " + line));
      if (badCount > badLines.size()) {
        out.println("  …");
      }
    }
    if (clamped > 0) {
      out.println(clamped + " value(s) above one hour were counted as one hour");
    }
    notes.forEach(note -> out.println("note: " + note));
  }
}
