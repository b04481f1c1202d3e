package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitState;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issue 14 item 9: old counts never come back after 2^20 idle buckets. */
class TimeWindowWrapTest {
  @Test
  void failuresFromBeforeALongIdleDoNotComeBackAfterTheBucketTagsWrap() {
    FakeClock clock = new FakeClock();
    CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("b")
        .timeWindow(Duration.ofSeconds(1), 10).minimumCalls(10).failureRateThreshold(0.5).build(), clock);
    for (int i = 0; i < 9; i++) {
      breaker.tryAcquire().onFailure();
    }
    // 2^20 buckets of 100 ms: about 29 hours, the point where a 20-bit bucket tag repeats.
    clock.advance(Duration.ofMillis(100L << 20));
    breaker.tryAcquire().onSuccess();
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(breaker.failureRate()).isNaN();
  }
}
