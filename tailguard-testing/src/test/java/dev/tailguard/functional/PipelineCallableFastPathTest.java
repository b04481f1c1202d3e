package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitOpenException;
import dev.tailguard.Pipeline;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code Pipeline.execute(Callable)} without hedge or timeout guards each attempt inside the
 * retry loop (no per-call wrapper). It must behave exactly as the general path: the breaker
 * counts every attempt, and an open circuit ends the call without calling.
 */
class PipelineCallableFastPathTest {
  private final FakeClock clock = new FakeClock();

  private CircuitBreaker breaker(int minimumCalls, double threshold) {
    return CircuitBreaker.of(CircuitBreakerConfig.builder("fast-path").countWindow(10).minimumCalls(minimumCalls)
        .failureRateThreshold(threshold).build(), clock);
  }

  private Pipeline pipeline(CircuitBreaker breaker) {
    return Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker)
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.none()).build()).build();
  }

  @Test
  void theBreakerCountsEveryAttemptOfARetriedCall() throws Exception {
    CircuitBreaker breaker = breaker(4, 0.6);
    AtomicInteger calls = new AtomicInteger();
    String result = pipeline(breaker).execute(() -> {
      if (calls.incrementAndGet() < 3) {
        throw new IOException("flaky");
      }
      return "ok";
    });

    assertThat(result).isEqualTo("ok");
    assertThat(calls).hasValue(3);
    // Two failures and a success so far; one more success makes four calls, two of them failed.
    assertThat(pipeline(breaker).execute(() -> "again")).isEqualTo("again");
    assertThat(breaker.failureRate()).as("every attempt counted, not every call").isEqualTo(0.5);
  }

  @Test
  void anOpenCircuitEndsTheCallAtOnceWithoutCallingOrRetrying() {
    CircuitBreaker breaker = breaker(3, 0.5);
    Pipeline pipeline = pipeline(breaker);
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> pipeline.execute(() -> {
      calls.incrementAndGet();
      throw new IOException("down");
    })).isInstanceOf(RetriesExhaustedException.class);
    assertThat(calls).hasValue(3);

    assertThatThrownBy(() -> pipeline.execute(() -> {
      calls.incrementAndGet();
      return "never";
    })).isInstanceOf(CircuitOpenException.class);
    assertThat(calls).as("the open circuit was not called and not retried").hasValue(3);
  }
}
