package dev.tailguard.benchmarks;

import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The async hedging engine under load: 10,000 hedged calls in flight at once (each armed with a
 * timer), then all primaries answer. Reported per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HedgeThroughputBenchmark {
  private static final int IN_FLIGHT = 10_000;

  private Hedge hedge;
  @SuppressWarnings("unchecked")
  private final CompletableFuture<Integer>[] primaries = new CompletableFuture[IN_FLIGHT];
  @SuppressWarnings("unchecked")
  private final CompletableFuture<Integer>[] calls = new CompletableFuture[IN_FLIGHT];

  @Setup
  public void setUp() {
    hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofSeconds(10))).build());
  }

  @Benchmark
  @OperationsPerInvocation(IN_FLIGHT)
  public int tenThousandInFlight() {
    for (int i = 0; i < IN_FLIGHT; i++) {
      CompletableFuture<Integer> primary = new CompletableFuture<>();
      primaries[i] = primary;
      calls[i] = hedge.executeAsync(() -> primary, OutcomeHandler.<Integer>defaults());
    }
    int sum = 0;
    for (int i = 0; i < IN_FLIGHT; i++) {
      primaries[i].complete(i);
      sum += calls[i].join();
    }
    return sum;
  }
}
