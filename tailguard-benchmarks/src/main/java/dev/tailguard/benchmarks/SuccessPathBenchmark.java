package dev.tailguard.benchmarks;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.Hedge;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.Retry;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What each library adds to a call that succeeds at once: the path every call takes. Each
 * policy allows 3 attempts and never retries; breakers are count-based with default thresholds.
 * The payload returns a field, so the direct call is the floor.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SuccessPathBenchmark {
  private int value = 42;
  private Callable<Integer> call;

  private Retry tailguardRetry;
  private Retry tailguardRetryWithBudget;
  private CircuitBreaker tailguardBreaker;
  private Pipeline tailguardRetryAndBreaker;
  private Hedge tailguardHedge;

  private io.github.resilience4j.retry.Retry r4jRetry;
  private io.github.resilience4j.circuitbreaker.CircuitBreaker r4jBreaker;
  private Callable<Integer> r4jRetryAndBreaker;

  private FailsafeExecutor<Integer> failsafeRetry;
  private FailsafeExecutor<Integer> failsafeBreaker;
  private FailsafeExecutor<Integer> failsafeRetryAndBreaker;

  @Setup
  public void setUp() {
    call = () -> value;
    RetryPolicy threeAttempts = RetryPolicy.builder().maxAttempts(3).build();
    tailguardRetry = Retry.of(threeAttempts);
    tailguardRetryWithBudget = Retry.of(threeAttempts.toBuilder().admission(RetryBudget.tokenBucket().build()).build());
    tailguardBreaker = CircuitBreaker.of(CircuitBreakerConfig.builder("bench").build());
    tailguardRetryAndBreaker = Pipeline.builder().retry(threeAttempts)
        .circuitBreaker(CircuitBreaker.of(CircuitBreakerConfig.builder("bench-pipeline").build())).build();
    tailguardHedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).build());

    r4jRetry = io.github.resilience4j.retry.Retry.of("bench", RetryConfig.custom().maxAttempts(3).build());
    r4jBreaker = io.github.resilience4j.circuitbreaker.CircuitBreaker.ofDefaults("bench");
    io.github.resilience4j.circuitbreaker.CircuitBreaker r4jPipelineBreaker =
        io.github.resilience4j.circuitbreaker.CircuitBreaker.ofDefaults("bench-pipeline");
    r4jRetryAndBreaker = io.github.resilience4j.retry.Retry.decorateCallable(r4jRetry,
        io.github.resilience4j.circuitbreaker.CircuitBreaker.decorateCallable(r4jPipelineBreaker, call));

    dev.failsafe.RetryPolicy<Integer> failsafeRetryPolicy = dev.failsafe.RetryPolicy.<Integer>builder().withMaxAttempts(3).build();
    failsafeRetry = Failsafe.with(failsafeRetryPolicy);
    failsafeBreaker = Failsafe.with(dev.failsafe.CircuitBreaker.<Integer>ofDefaults());
    failsafeRetryAndBreaker = Failsafe.with(failsafeRetryPolicy, dev.failsafe.CircuitBreaker.<Integer>ofDefaults());
  }

  @Benchmark
  public int direct() {
    return value;
  }

  @Benchmark
  public Integer tailguardRetry() throws Exception {
    return tailguardRetry.execute(call);
  }

  @Benchmark
  public Integer resilience4jRetry() throws Exception {
    return r4jRetry.executeCallable(call);
  }

  @Benchmark
  public Integer failsafeRetry() {
    return failsafeRetry.get(() -> value);
  }

  @Benchmark
  public int tailguardCircuitBreaker() {
    CircuitBreaker.Permit permit = tailguardBreaker.tryAcquire();
    int result = value;
    permit.onSuccess();
    return result;
  }

  @Benchmark
  public Integer resilience4jCircuitBreaker() throws Exception {
    return r4jBreaker.executeCallable(call);
  }

  @Benchmark
  public Integer failsafeCircuitBreaker() {
    return failsafeBreaker.get(() -> value);
  }

  @Benchmark
  public Integer tailguardRetryAndCircuitBreaker() throws Exception {
    return tailguardRetryAndBreaker.execute(call);
  }

  @Benchmark
  public Integer resilience4jRetryAndCircuitBreaker() throws Exception {
    return r4jRetryAndBreaker.call();
  }

  @Benchmark
  public Integer failsafeRetryAndCircuitBreaker() {
    return failsafeRetryAndBreaker.get(() -> value);
  }

  @Benchmark
  public Integer tailguardRetryWithBudget() throws Exception {
    return tailguardRetryWithBudget.execute(call);
  }

  /** A hedge armed with a 10 ms delay whose primary answers at once: the timer is set and cancelled. */
  @Benchmark
  public Integer tailguardHedgeArmedPrimaryWins() {
    return tailguardHedge.executeAsync(() -> CompletableFuture.completedFuture(value), OutcomeHandler.<Integer>defaults()).join();
  }
}
