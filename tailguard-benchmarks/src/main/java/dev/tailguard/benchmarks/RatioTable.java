package dev.tailguard.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prints JMH's JSON results as a table of ns/op and B/op, then Tailguard's ratios to each peer
 * and the bars the project holds itself to. {@code java -cp benchmarks.jar
 * dev.tailguard.benchmarks.RatioTable results.json}
 */
public final class RatioTable {
  private RatioTable() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: RatioTable <jmh-results.json>");
      System.exit(2);
    }
    JsonNode results = new ObjectMapper().readTree(new File(args[0]));
    Map<String, double[]> byName = new LinkedHashMap<>();
    for (JsonNode result : results) {
      String benchmark = result.get("benchmark").asText();
      String name = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      double nanos = result.get("primaryMetric").get("score").asDouble();
      double error = result.get("primaryMetric").get("scoreError").asDouble();
      // JMH before 1.33 prefixed profiler metrics with a middle dot.
      JsonNode secondary = result.get("secondaryMetrics");
      JsonNode gc = secondary.has("gc.alloc.rate.norm") ? secondary.get("gc.alloc.rate.norm") : secondary.get("·gc.alloc.rate.norm");
      double bytes = gc == null ? Double.NaN : gc.get("score").asDouble();
      byName.put(name, new double[] {nanos, error, bytes});
    }
    System.out.printf("%-40s %12s %10s %10s%n", "benchmark", "ns/op", "± error", "B/op");
    byName.forEach((name, v) -> System.out.printf("%-40s %12.2f %10.2f %10.1f%n", name, v[0], v[1], v[2]));
    System.out.println();
    ratio(byName, "Retry vs Resilience4j", "tailguardRetry", "resilience4jRetry", 0.25);
    ratio(byName, "Retry vs Failsafe", "tailguardRetry", "failsafeRetry", Double.NaN);
    ratio(byName, "CircuitBreaker vs Resilience4j", "tailguardCircuitBreaker", "resilience4jCircuitBreaker", 0.5);
    ratio(byName, "CircuitBreaker vs Failsafe", "tailguardCircuitBreaker", "failsafeCircuitBreaker", Double.NaN);
    ratio(byName, "Retry+CircuitBreaker vs Resilience4j", "tailguardRetryAndCircuitBreaker", "resilience4jRetryAndCircuitBreaker", Double.NaN);
    ratio(byName, "Retry+CircuitBreaker vs Failsafe", "tailguardRetryAndCircuitBreaker", "failsafeRetryAndCircuitBreaker", 0.1);
    double[] retry = byName.get("tailguardRetry");
    if (retry != null) {
      // JMH's normalised allocation reads a few hundredths of a byte for a path that allocates nothing.
      boolean pass = retry[2] < 1;
      System.out.printf("[%s] Tailguard Retry allocates %.2f B/op (bar: 0)%n", pass ? "PASS" : "FAIL", retry[2]);
    }
    bytes(byName, "tailguardRetryAndCircuitBreaker", 0);
    // A 10% failure mix through one breaker: no slower and no more bytes than Resilience4j's.
    ratio(byName, "Failure mix vs Resilience4j", "tailguardFailureMix", "resilience4jFailureMix", 1.0);
    ratio(byName, "Failure mix vs Failsafe", "tailguardFailureMix", "failsafeFailureMix", Double.NaN);
    bytesAtMost(byName, "tailguardFailureMix", "resilience4jFailureMix");
    ratio(byName, "Failure mix (handler) vs Resilience4j", "tailguardFailureMixWithHandler", "resilience4jFailureMix", 1.0);
    bytesAtMost(byName, "tailguardFailureMixWithHandler", "resilience4jFailureMix");
    ratio(byName, "One retry vs Resilience4j", "tailguardOneRetry", "resilience4jOneRetry", Double.NaN);
    ratio(byName, "One retry vs Failsafe", "tailguardOneRetry", "failsafeOneRetry", Double.NaN);
    // Issue 20: a fixed and an adaptive concurrency limit cost less than Resilience4j's semaphore bulkhead, allocating nothing.
    ratio(byName, "Fixed limit vs Resilience4j Bulkhead", "tailguardFixedConcurrencyLimit", "resilience4jBulkhead", 1.0);
    ratio(byName, "Fixed limit vs Failsafe Bulkhead", "tailguardFixedConcurrencyLimit", "failsafeBulkhead", Double.NaN);
    ratio(byName, "Gradient limit vs Resilience4j Bulkhead", "tailguardGradientConcurrencyLimit", "resilience4jBulkhead", 1.0);
    ratio(byName, "Gradient limit vs Failsafe Bulkhead", "tailguardGradientConcurrencyLimit", "failsafeBulkhead", Double.NaN);
    ratio(byName, "Vegas limit vs Resilience4j Bulkhead", "tailguardVegasConcurrencyLimit", "resilience4jBulkhead", 1.0);
    ratio(byName, "Pipeline+limit vs R4j Bulkhead (decorated)", "tailguardPipelineConcurrencyLimit", "resilience4jBulkheadDecorated", Double.NaN);
    ratio(byName, "Pipeline+limit vs Failsafe Bulkhead (decorated)", "tailguardPipelineConcurrencyLimit", "failsafeBulkheadDecorated", Double.NaN);
    noBytes(byName, "tailguardFixedConcurrencyLimit");
    noBytes(byName, "tailguardGradientConcurrencyLimit");
    noBytes(byName, "tailguardVegasConcurrencyLimit");
  }

  private static void bytes(Map<String, double[]> byName, String ours, double bar) {
    double[] a = byName.get(ours);
    if (a == null) {
      return;
    }
    // Below one byte is zero: JMH's normalised figure carries a few hundredths of noise.
    boolean pass = a[2] < bar + 1;
    System.out.printf("[%s] %s allocates %.2f B/op (bar: <= %.0f)%n", pass ? "PASS" : "FAIL", ours, a[2], bar);
  }

  /** 0 B/op, as -prof gc reports it: below half a byte per operation (its noise is around 1e-4). */
  private static void noBytes(Map<String, double[]> byName, String ours) {
    double[] a = byName.get(ours);
    if (a == null) {
      return;
    }
    System.out.printf("[%s] %s allocates %.4f B/op (bar: 0, i.e. < 0.5)%n", a[2] < 0.5 ? "PASS" : "FAIL", ours, a[2]);
  }

  private static void bytesAtMost(Map<String, double[]> byName, String ours, String theirs) {
    double[] a = byName.get(ours);
    double[] b = byName.get(theirs);
    if (a == null || b == null) {
      return;
    }
    System.out.printf("[%s] %s allocates %.1f B/op vs %s %.1f B/op (bar: <=)%n",
        a[2] <= b[2] ? "PASS" : "FAIL", ours, a[2], theirs, b[2]);
  }

  private static void ratio(Map<String, double[]> byName, String label, String ours, String theirs, double bar) {
    double[] a = byName.get(ours);
    double[] b = byName.get(theirs);
    if (a == null || b == null) {
      return;
    }
    double ratio = a[0] / b[0];
    String mark = Double.isNaN(bar) ? "    " : ratio <= bar ? "PASS" : "FAIL";
    System.out.printf("[%s] %-38s %6.3fx (%.2f vs %.2f ns/op)%s%n", mark, label, ratio, a[0], b[0],
        Double.isNaN(bar) ? "" : String.format(" bar: <= %.2fx", bar));
  }
}
