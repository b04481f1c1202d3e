package dev.tailguard.benchmarks;

import dev.failsafe.Bulkhead;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.Pipeline;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Issue 20: what a concurrency limit adds to a call that gets a permit and succeeds, the path
 * every call takes while the backend is healthy. Each limit allows 25 concurrent calls and never
 * waits; one thread, so the permit is always free. The permit-level benchmarks take and return a
 * permit around reading a field, as {@code SuccessPathBenchmark.tailguardCircuitBreaker} does;
 * the decorated ones run a {@link Callable} through each library's executor.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ConcurrencyLimitBenchmark {
  private int value = 42;
  private Callable<Integer> call;

  private ConcurrencyLimit fixed;
  private ConcurrencyLimit gradient;
  private ConcurrencyLimit vegas;
  private Pipeline fixedPipeline;

  private io.github.resilience4j.bulkhead.Bulkhead r4jBulkhead;
  private Bulkhead<Integer> failsafeBulkhead;
  private FailsafeExecutor<Integer> failsafeBulkheadExecutor;

  @Setup
  public void setUp() {
    call = () -> value;
    fixed = ConcurrencyLimit.fixed(25).name("bench").build();
    gradient = ConcurrencyLimit.gradient().initialLimit(25).name("bench-gradient").build();
    vegas = ConcurrencyLimit.vegas().initialLimit(25).name("bench-vegas").build();
    fixedPipeline = Pipeline.builder().concurrencyLimit(ConcurrencyLimit.fixed(25).name("bench-pipeline").build()).build();

    r4jBulkhead = io.github.resilience4j.bulkhead.Bulkhead.of("bench",
        BulkheadConfig.custom().maxConcurrentCalls(25).maxWaitDuration(Duration.ZERO).build());
    failsafeBulkhead = Bulkhead.<Integer>builder(25).build();
    failsafeBulkheadExecutor = Failsafe.with(Bulkhead.<Integer>builder(25).build());
  }

  @Benchmark
  public int tailguardFixedConcurrencyLimit() {
    long ticket = fixed.tryAcquire();
    int result = value;
    fixed.onSuccess(ticket);
    return result;
  }

  @Benchmark
  public int tailguardGradientConcurrencyLimit() {
    long ticket = gradient.tryAcquire();
    int result = value;
    gradient.onSuccess(ticket);
    return result;
  }

  @Benchmark
  public int tailguardVegasConcurrencyLimit() {
    long ticket = vegas.tryAcquire();
    int result = value;
    vegas.onSuccess(ticket);
    return result;
  }

  @Benchmark
  public int resilience4jBulkhead() {
    if (!r4jBulkhead.tryAcquirePermission()) {
      throw new IllegalStateException("bulkhead full");
    }
    int result = value;
    r4jBulkhead.onComplete();
    return result;
  }

  @Benchmark
  public int failsafeBulkhead() {
    if (!failsafeBulkhead.tryAcquirePermit()) {
      throw new IllegalStateException("bulkhead full");
    }
    int result = value;
    failsafeBulkhead.releasePermit();
    return result;
  }

  @Benchmark
  public Integer tailguardPipelineConcurrencyLimit() throws Exception {
    return fixedPipeline.execute(call);
  }

  @Benchmark
  public Integer resilience4jBulkheadDecorated() throws Exception {
    return r4jBulkhead.executeCallable(call);
  }

  @Benchmark
  public Integer failsafeBulkheadDecorated() {
    return failsafeBulkheadExecutor.get(() -> value);
  }
}
