package dev.tailguard.benchmarks;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.tailguard.AttemptCallable;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
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
 * One circuit breaker and no retry, every tenth call failing: what each library adds to a call
 * whose failures it only counts. The failure is one pre-built exception without a stack trace, so
 * that every byte and nanosecond above the direct call is the library's. Each breaker is
 * count-based over 100 calls and opens at 50% failures, so at 10% it stays closed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FailureMixBenchmark {
  /** The backend's failure, thrown as is; unchecked so that no library wraps it. */
  static final class BackendFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BackendFailure() {
      super("backend failed", null, false, false);
    }
  }

  private static final BackendFailure FAILURE = new BackendFailure();

  private int value = 42;
  private int calls;
  private Callable<Integer> call;
  private AttemptCallable<Integer> attemptCall;

  private Pipeline tailguardBreaker;
  private Pipeline tailguardBreakerWithHandler;
  private io.github.resilience4j.circuitbreaker.CircuitBreaker r4jBreaker;
  private FailsafeExecutor<Integer> failsafeBreaker;

  @Setup
  public void setUp() {
    call = () -> {
      // Every tenth call fails.
      if (++calls == 10) {
        calls = 0;
        throw FAILURE;
      }
      return value;
    };
    attemptCall = context -> call.call();
    tailguardBreaker = Pipeline.builder()
        .circuitBreaker(CircuitBreaker.of(CircuitBreakerConfig.builder("bench-failures").build())).build();
    tailguardBreakerWithHandler = Pipeline.builder()
        .circuitBreaker(CircuitBreaker.of(CircuitBreakerConfig.builder("bench-failures-handler").build())).build();
    r4jBreaker = io.github.resilience4j.circuitbreaker.CircuitBreaker.ofDefaults("bench-failures");
    // Failsafe's default breaker opens on the first failure; give it the same 50% of 100 calls.
    failsafeBreaker = Failsafe.with(dev.failsafe.CircuitBreaker.<Integer>builder()
        .withFailureThreshold(50, 100).withDelay(Duration.ofSeconds(10)).build());
  }

  @Benchmark
  public int direct() {
    try {
      return call.call();
    } catch (BackendFailure failure) {
      return -1;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Benchmark
  public int tailguardFailureMix() {
    try {
      return tailguardBreaker.execute(call);
    } catch (BackendFailure failure) {
      return -1;
    } catch (Exception e) {
      throw new AssertionError("not the call's own exception", e);
    }
  }

  /** The shape adapters use: the attempt receives its context, the handler is passed explicitly. */
  @Benchmark
  public int tailguardFailureMixWithHandler() {
    try {
      return tailguardBreakerWithHandler.execute(attemptCall, OutcomeHandler.<Integer>defaults());
    } catch (BackendFailure failure) {
      return -1;
    } catch (Exception e) {
      throw new AssertionError("not the call's own exception", e);
    }
  }

  @Benchmark
  public int resilience4jFailureMix() {
    try {
      return r4jBreaker.executeCallable(call);
    } catch (BackendFailure failure) {
      return -1;
    } catch (Exception e) {
      throw new AssertionError("not the call's own exception", e);
    }
  }

  @Benchmark
  public int failsafeFailureMix() {
    try {
      return failsafeBreaker.get(call::call);
    } catch (BackendFailure failure) {
      return -1;
    }
  }
}
