package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.Keyed;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link Keyed}: per-key policies made on first use, bounded in count and evicted when idle. */
class KeyedTest {
  private final FakeClock clock = new FakeClock();

  private Keyed<String, CircuitBreaker> breakers(int maxSize, Duration idle) {
    return Keyed.<String, CircuitBreaker>builder(host -> CircuitBreaker.of(CircuitBreakerConfig.builder(host).build(), clock))
        .maxSize(maxSize).idleExpiry(idle).clock(clock).build();
  }

  @Test
  void aMillionDistinctHostsLeaveTheSizeAtTheBound() {
    Keyed<String, CircuitBreaker> breakers = breakers(1_000, Duration.ofHours(1));
    int maxSeen = 0;
    for (int i = 0; i < 1_000_000; i++) {
      breakers.get("host-" + i + ".example:443");
      if ((i & 15) == 0) {
        clock.advance(Duration.ofNanos(1));
      }
      if ((i & 1023) == 0) {
        maxSeen = Math.max(maxSeen, breakers.size());
      }
    }
    // Never above the bound; over it, the least recently used eighth goes at once.
    assertThat(breakers.size()).isBetween(1_000 - 1_000 / 8, 1_000);
    assertThat(maxSeen).isLessThanOrEqualTo(1_000);
    // The most recent hosts are the ones kept.
    assertThat(breakers.peek("host-999999.example:443")).isPresent();
    assertThat(breakers.peek("host-0.example:443")).isEmpty();
  }

  @Test
  void theSameKeyGetsTheSameValueAndAHotKeySurvivesAStreamOfColdOnes() {
    Keyed<String, CircuitBreaker> breakers = breakers(10, Duration.ofHours(1));
    CircuitBreaker hot = breakers.get("hot");
    for (int i = 0; i < 1_000; i++) {
      clock.advance(Duration.ofMillis(1));
      assertThat(breakers.get("hot")).isSameAs(hot);
      breakers.get("cold-" + i);
    }
    assertThat(breakers.size()).isLessThanOrEqualTo(10);
    assertThat(breakers.get("hot")).isSameAs(hot);
  }

  @Test
  void anEntryIdlePastTheExpiryIsEvictedAndMadeAfreshOnItsNextUse() {
    List<String> evicted = new ArrayList<>();
    Keyed<String, CircuitBreaker> breakers = Keyed.<String, CircuitBreaker>builder(
            host -> CircuitBreaker.of(CircuitBreakerConfig.builder(host).build(), clock))
        .idleExpiry(Duration.ofMinutes(10)).clock(clock).onEvict((key, value) -> evicted.add(key)).build();
    CircuitBreaker first = breakers.get("a");
    breakers.get("b");
    clock.advance(Duration.ofMinutes(9));
    assertThat(breakers.get("a")).isSameAs(first);   // used again: its idle time starts over
    clock.advance(Duration.ofMinutes(2));
    assertThat(breakers.size()).isEqualTo(1);        // b idle for 11 minutes, a for 2
    assertThat(evicted).containsExactly("b");
    clock.advance(Duration.ofMinutes(10));
    assertThat(breakers.peek("a")).isEmpty();
    CircuitBreaker second = breakers.get("a");
    assertThat(second).isNotSameAs(first);
    assertThat(evicted).containsExactly("b", "a");
  }

  @Test
  void idleEntriesAreSweptByLaterGetsOfOtherKeys() {
    AtomicInteger evictions = new AtomicInteger();
    Keyed<String, String> holder = Keyed.<String, String>builder(k -> k + "!")
        .idleExpiry(Duration.ofSeconds(10)).clock(clock).onEvict((k, v) -> evictions.incrementAndGet()).build();
    for (int i = 0; i < 100; i++) {
      holder.get("k" + i);
    }
    clock.advance(Duration.ofSeconds(11));
    holder.get("new");
    assertThat(evictions).hasValue(100);
    assertThat(holder.snapshot()).containsOnlyKeys("new");
  }

  @Test
  void concurrentFirstUsesOfOneKeyMakeOneValueAndTheBoundHoldsUnderContention() throws Exception {
    AtomicInteger made = new AtomicInteger();
    Keyed<String, Object> shared = Keyed.<String, Object>builder(k -> {
      made.incrementAndGet();
      return new Object();
    }).build();
    Keyed<String, Object> churn = Keyed.<String, Object>builder(k -> new Object()).maxSize(50).build();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Object>> got = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        got.add(pool.submit(() -> {
          start.await();
          Object first = shared.get("shared");
          for (int i = 0; i < 5_000; i++) {
            churn.get("other-" + thread + "-" + (i % 200));
          }
          return first;
        }));
      }
      start.countDown();
      Object first = got.get(0).get(60, TimeUnit.SECONDS);
      for (Future<Object> f : got) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isSameAs(first);
      }
      assertThat(made).hasValue(1);
      assertThat(churn.size()).isLessThanOrEqualTo(50);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void badSettingsNameTheParameterAndValue() {
    assertThatThrownBy(() -> Keyed.builder(k -> k).maxSize(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSize").hasMessageContaining("0");
    assertThatThrownBy(() -> Keyed.builder(k -> k).idleExpiry(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idleExpiry").hasMessageContaining("-1");
    assertThatThrownBy(() -> Keyed.<String, String>builder(k -> null).build().get("x"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("x");
  }
}
