package dev.tailguard.benchmarks;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.tailguard.Backoff;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import io.github.resilience4j.retry.RetryConfig;
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
 * A call whose first attempt fails and whose second succeeds, under a retry of 3 attempts with
 * no wait between them: the cost of one retry itself, without sleeping. The failure is one
 * pre-built exception without a stack trace.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class OneRetryBenchmark {
  private static final RuntimeException FAILURE = new IllegalStateException("first attempt fails", null) {
    private static final long serialVersionUID = 1L;

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  };

  private int value = 42;
  private boolean failNext;
  private Callable<Integer> call;

  private Retry tailguardRetry;
  private io.github.resilience4j.retry.Retry r4jRetry;
  private FailsafeExecutor<Integer> failsafeRetry;

  @Setup
  public void setUp() {
    call = () -> {
      // Attempts alternate: each call's first attempt fails, its retry succeeds.
      failNext = !failNext;
      if (failNext) {
        throw FAILURE;
      }
      return value;
    };
    tailguardRetry = Retry.of(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.none()).build());
    r4jRetry = io.github.resilience4j.retry.Retry.of("bench-retry",
        RetryConfig.custom().maxAttempts(3).waitDuration(Duration.ZERO).build());
    // Failsafe's default delay is already zero (it refuses withDelay(ZERO)).
    failsafeRetry = Failsafe.with(dev.failsafe.RetryPolicy.<Integer>builder().withMaxAttempts(3).build());
  }

  @Benchmark
  public Integer tailguardOneRetry() throws Exception {
    return tailguardRetry.execute(call);
  }

  @Benchmark
  public Integer resilience4jOneRetry() throws Exception {
    return r4jRetry.executeCallable(call);
  }

  @Benchmark
  public Integer failsafeOneRetry() {
    return failsafeRetry.get(call::call);
  }
}
