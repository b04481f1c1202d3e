package dev.tailguard;

import dev.tailguard.internal.Checks;
import dev.tailguard.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * A bounded, keyed holder of policies: one circuit breaker, budget or adaptive hedge delay per
 * key (a host, an endpoint), made on first use and forgotten when idle, so that per-host policies
 * never grow without bound.
 *
 * <pre>{@code
 * Keyed<String, CircuitBreaker> breakers = Keyed.<String, CircuitBreaker>builder(
 *         host -> CircuitBreaker.of(CircuitBreakerConfig.builder(host).build()))
 *     .maxSize(1_000)                          // the default
 *     .idleExpiry(Duration.ofMinutes(10))      // the default
 *     .build();
 * CircuitBreaker breaker = breakers.get("api.example.com:443");
 * }</pre>
 *
 * <ul>
 *   <li><b>Bounded count.</b> After any call returns, at most {@link Builder#maxSize} entries are
 *       held: a new key beyond the bound evicts the least recently used ones first (in batches of
 *       about an eighth of the bound, so that a stream of distinct keys costs amortised O(1)
 *       per key beyond a sort of the bound's timestamps now and then).
 *   <li><b>Idle expiry.</b> An entry not returned by {@link #get} for {@link Builder#idleExpiry},
 *       measured on the injected {@link Clock}, is evicted; a later {@code get} of its key makes a
 *       fresh one (a breaker that was open an hour ago says nothing about the host now).
 *   <li>An evicted value keeps working for whoever still holds it (a call in flight); it is only
 *       no longer handed out. {@link Builder#onEvict} is told of each eviction.
 * </ul>
 *
 * <p>Thread-safe. A {@code get} of a present, live key takes no lock (one map read, one clock read
 * and one volatile write); making, expiring and evicting entries take this holder's lock, so the
 * factory runs at most once per key and entry, under that lock: keep it cheap and non-blocking.
 *
 * @param <K> the key (an endpoint such as {@code "https://api.example.com:443"}; never a URL or a
 *     user, whose number has no bound worth keeping)
 * @param <V> the value made per key
 * @since 0.1
 */
public final class Keyed<K, V> {
  /** The default bound on entries. */
  public static final int DEFAULT_MAX_SIZE = 1_000;
  /** The default idle expiry. */
  public static final Duration DEFAULT_IDLE_EXPIRY = Duration.ofMinutes(10);

  private final Function<? super K, ? extends V> factory;
  private final int maxSize;
  private final long idleNanos;
  private final Clock clock;
  private final BiConsumer<? super K, ? super V> onEvict;
  private final ConcurrentHashMap<K, Entry<V>> entries = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  /** When, on the clock, the next sweep for idle entries is due; guarded by {@link #lock}. */
  private long nextSweep;

  private Keyed(Builder<K, V> b) {
    this.factory = b.factory;
    this.maxSize = b.maxSize;
    this.idleNanos = saturatedNanos(b.idleExpiry);
    this.clock = b.clock;
    this.onEvict = b.onEvict;
    this.nextSweep = clock.nanoTime() + Math.max(1, idleNanos / 2);
  }

  /**
   * Starts a builder whose entries are made by {@code factory}, called with the key on its first
   * use (and again after the entry was evicted).
   *
   * @throws NullPointerException if {@code factory} is null
   */
  public static <K, V> Builder<K, V> builder(Function<? super K, ? extends V> factory) {
    return new Builder<>(Checks.notNull(factory, "factory"));
  }

  /**
   * Returns the value for {@code key}, making it on first use or when the old one was idle past
   * the expiry.
   *
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalStateException if the factory returns null (its own exceptions propagate)
   */
  public V get(K key) {
    Checks.notNull(key, "key");
    long now = clock.nanoTime();
    Entry<V> entry = entries.get(key);
    if (entry != null && !entry.idleAt(now, idleNanos)) {
      entry.lastUsed = now;
      return entry.value;
    }
    synchronized (lock) {
      entry = entries.get(key);
      // Another thread made it while this one waited for the lock.
      if (entry != null && !entry.idleAt(now, idleNanos)) {
        entry.lastUsed = now;
        return entry.value;
      }
      if (entry != null) {
        entries.remove(key);
        evicted(key, entry);
      }
      V value = factory.apply(key);
      Checks.state(value != null, "factory returned null for key %s", key);
      entries.put(key, new Entry<>(value, now));
      if (now - nextSweep >= 0) {
        sweepIdle(now);
      }
      if (entries.size() > maxSize) {
        evictLeastRecentlyUsed(key);
      }
      return value;
    }
  }

  /** Returns the value held for {@code key}, without making one or marking it used. */
  public Optional<V> peek(K key) {
    Entry<V> entry = entries.get(Checks.notNull(key, "key"));
    return entry == null || entry.idleAt(clock.nanoTime(), idleNanos) ? Optional.empty() : Optional.of(entry.value);
  }

  /** Evicts every entry idle past the expiry now; {@link #get} also does this now and then. */
  public void evictIdle() {
    synchronized (lock) {
      sweepIdle(clock.nanoTime());
    }
  }

  /** The number of live entries: idle ones are evicted first. Never above {@link #maxSize()}. */
  public int size() {
    evictIdle();
    return entries.size();
  }

  /** A copy of the live entries, in no particular order (for metrics and actuator endpoints). */
  public Map<K, V> snapshot() {
    evictIdle();
    Map<K, V> copy = new LinkedHashMap<>();
    entries.forEach((key, entry) -> copy.put(key, entry.value));
    return Collections.unmodifiableMap(copy);
  }

  /** The bound on entries. */
  public int maxSize() {
    return maxSize;
  }

  /** How long an unused entry is kept. */
  public Duration idleExpiry() {
    return Duration.ofNanos(idleNanos);
  }

  private void sweepIdle(long now) {
    entries.forEach((key, entry) -> {
      if (entry.idleAt(now, idleNanos) && entries.remove(key, entry)) {
        evicted(key, entry);
      }
    });
    nextSweep = now + Math.max(1, idleNanos / 2);
  }

  /** Evicts the least recently used entries down to an eighth below the bound, sparing {@code keep}. */
  private void evictLeastRecentlyUsed(K keep) {
    int target = Math.max(1, maxSize - Math.max(1, maxSize / 8));
    int excess = entries.size() - target;
    // Ages, not raw stamps, are compared: elapsed time survives the clock's wrap-around.
    long now = clock.nanoTime();
    long[] ages = new long[entries.size()];
    int n = 0;
    for (Entry<V> entry : entries.values()) {
      if (n < ages.length) {
        ages[n++] = now - entry.lastUsed;
      }
    }
    Arrays.sort(ages, 0, n);
    long minAge = ages[Math.max(0, n - excess)];
    int[] left = {excess};
    entries.forEach((key, entry) -> {
      if (left[0] > 0 && !key.equals(keep) && now - entry.lastUsed >= minAge && entries.remove(key, entry)) {
        left[0]--;
        evicted(key, entry);
      }
    });
    // Entries used while the stamps were read look younger than the cut: the bound still holds.
    for (Map.Entry<K, Entry<V>> e : entries.entrySet()) {
      if (entries.size() <= maxSize) {
        break;
      }
      if (!e.getKey().equals(keep) && entries.remove(e.getKey(), e.getValue())) {
        evicted(e.getKey(), e.getValue());
      }
    }
  }

  private void evicted(K key, Entry<V> entry) {
    try {
      onEvict.accept(key, entry.value);
    } catch (RuntimeException listenerFailure) {
      // A listener's failure must not leave the holder half-updated; eviction already happened.
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  @Override
  public String toString() {
    return "Keyed{size=" + entries.size() + ", maxSize=" + maxSize + ", idleExpiry=" + idleExpiry() + "}";
  }

  private static final class Entry<V> {
    final V value;
    volatile long lastUsed;

    Entry(V value, long lastUsed) {
      this.value = value;
      this.lastUsed = lastUsed;
    }

    boolean idleAt(long now, long idleNanos) {
      return now - lastUsed >= idleNanos;
    }
  }

  /** Builds a {@link Keyed}. Not thread-safe. */
  public static final class Builder<K, V> {
    private final Function<? super K, ? extends V> factory;
    private int maxSize = DEFAULT_MAX_SIZE;
    private Duration idleExpiry = DEFAULT_IDLE_EXPIRY;
    private Clock clock = Clock.system();
    private BiConsumer<? super K, ? super V> onEvict = (key, value) -> {};

    private Builder(Function<? super K, ? extends V> factory) {
      this.factory = factory;
    }

    /**
     * The most entries held at once. Default 1000.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder<K, V> maxSize(int maxSize) {
      Checks.argument(maxSize >= 1, "maxSize must be >= 1: %s", maxSize);
      this.maxSize = maxSize;
      return this;
    }

    /**
     * How long an entry nobody asked for is kept. Default 10 minutes.
     *
     * @throws IllegalArgumentException if zero or negative (NullPointerException if null)
     */
    public Builder<K, V> idleExpiry(Duration idleExpiry) {
      this.idleExpiry = Checks.positive(idleExpiry, "idleExpiry");
      return this;
    }

    /** The clock idle time is measured on ({@code FakeClock} in tests). Default {@link Clock#system()}. */
    public Builder<K, V> clock(Clock clock) {
      this.clock = Checks.notNull(clock, "clock");
      return this;
    }

    /**
     * Told of every eviction (idle or over the bound), under the holder's lock: keep it short.
     * Its exceptions are ignored. Default: nothing.
     */
    public Builder<K, V> onEvict(BiConsumer<? super K, ? super V> listener) {
      this.onEvict = Checks.notNull(listener, "onEvict");
      return this;
    }

    /** Builds the holder. */
    public Keyed<K, V> build() {
      return new Keyed<>(this);
    }
  }
}
