package dev.tailguard.idempotency;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The embedded store: a bounded map in this JVM. It de-duplicates within <b>one instance
 * only</b>; a fleet behind a load balancer needs the JDBC or Redis store, because a retry may land
 * on another instance.
 *
 * <p>Leases are judged on the injected clock (the system clock by default): one JVM, one clock.
 *
 * <p>Each operation is one {@code ConcurrentHashMap.compute}, so concurrent claims of one key see
 * exactly one winner. Expired records are dropped lazily and by {@link #reapExpired()}; a claim
 * that would pass {@code maxEntries} fails as unavailable (503) rather than evict a live record.
 * Thread-safe.
 *
 * @since 0.1
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {
  private enum State { IN_PROGRESS, COMPLETED }

  private record Entry(String fingerprint, State state, String token, Instant leaseUntil, Instant expiresAt,
      StoredResponse response, String recoveryPoint) {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final InstantSource clock;
  private final int maxEntries;

  /** A store of at most {@code maxEntries} records on the system clock. */
  public InMemoryIdempotencyStore(int maxEntries) {
    this(maxEntries, InstantSource.system());
  }

  /** A store on the given clock (tests move it to expire leases). */
  public InMemoryIdempotencyStore(int maxEntries, InstantSource clock) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be >= 1: " + maxEntries);
    }
    this.maxEntries = maxEntries;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  private static String id(String scope, String keyHash) {
    return scope.length() + ":" + scope + ":" + keyHash;
  }

  @Override
  public Claim claim(String scope, String keyHash, String fingerprint, Duration lease, Duration retention)
      throws StoreUnavailableException {
    Instant now = clock.instant();
    AtomicReference<Claim> answer = new AtomicReference<>();
    String id = id(scope, keyHash);
    // Refuse new keys when full, but let existing ones answer.
    if (entries.size() >= maxEntries && !entries.containsKey(id)) {
      reapExpired();
      if (entries.size() >= maxEntries) {
        throw new StoreUnavailableException("in-memory idempotency store is full (" + maxEntries + " records)", null);
      }
    }
    entries.compute(id, (k, existing) -> {
      if (existing == null || existing.expiresAt().isBefore(now)) {
        String token = UUID.randomUUID().toString();
        answer.set(Claim.claimed(token, null));
        return new Entry(fingerprint, State.IN_PROGRESS, token, now.plus(lease), now.plus(retention), null, null);
      }
      if (!existing.fingerprint().equals(fingerprint)) {
        answer.set(Claim.mismatch());
        return existing;
      }
      if (existing.state() == State.COMPLETED) {
        answer.set(Claim.completed(existing.response()));
        return existing;
      }
      if (existing.leaseUntil().isAfter(now)) {
        answer.set(Claim.inProgress());
        return existing;
      }
      String token = UUID.randomUUID().toString();
      answer.set(Claim.claimed(token, existing.recoveryPoint()));
      return new Entry(fingerprint, State.IN_PROGRESS, token, now.plus(lease), existing.expiresAt(), null, existing.recoveryPoint());
    });
    return answer.get();
  }

  @Override
  public boolean complete(String scope, String keyHash, String token, StoredResponse response, Duration retention) {
    Instant now = clock.instant();
    return fenced(scope, keyHash, token, existing ->
        new Entry(existing.fingerprint(), State.COMPLETED, null, null, now.plus(retention), response, existing.recoveryPoint()));
  }

  @Override
  public boolean recordPhase(String scope, String keyHash, String token, String phase, Duration lease) {
    Instant now = clock.instant();
    return fenced(scope, keyHash, token, existing ->
        new Entry(existing.fingerprint(), State.IN_PROGRESS, token, now.plus(lease), existing.expiresAt(), null, phase));
  }

  @Override
  public boolean renewLease(String scope, String keyHash, String token, Duration lease) {
    Instant now = clock.instant();
    return fenced(scope, keyHash, token, existing ->
        new Entry(existing.fingerprint(), State.IN_PROGRESS, token, now.plus(lease), existing.expiresAt(), null, existing.recoveryPoint()));
  }

  @Override
  public boolean release(String scope, String keyHash, String token) {
    return fenced(scope, keyHash, token, existing -> null);
  }

  /**
   * Replaces the record (null deletes it) only if {@code token} holds its lease: the fencing that
   * keeps an owner whose lease expired from overwriting its successor.
   */
  private boolean fenced(String scope, String keyHash, String token, java.util.function.UnaryOperator<Entry> change) {
    AtomicReference<Boolean> done = new AtomicReference<>(false);
    entries.computeIfPresent(id(scope, keyHash), (k, existing) -> {
      if (!token.equals(existing.token()) || existing.state() != State.IN_PROGRESS) {
        return existing;
      }
      done.set(true);
      return change.apply(existing);
    });
    return done.get();
  }

  @Override
  public int reapExpired() {
    Instant now = clock.instant();
    int before = entries.size();
    entries.values().removeIf(entry -> entry.expiresAt().isBefore(now));
    return Math.max(0, before - entries.size());
  }

  /** How many records the store holds now. */
  public int size() {
    return entries.size();
  }
}
