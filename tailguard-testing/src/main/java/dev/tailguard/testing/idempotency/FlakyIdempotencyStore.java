package dev.tailguard.testing.idempotency;

import dev.tailguard.idempotency.Claim;
import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.idempotency.StoreUnavailableException;
import dev.tailguard.idempotency.StoredResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real store with an outage switched on from the test: the next {@code n} completions fail as
 * unavailable without reaching the store, or claims throw an unchecked exception as a broken
 * driver does. Everything else goes to the real store. Thread-safe.
 *
 * @since 0.2
 */
public final class FlakyIdempotencyStore implements IdempotencyStore {
  private final IdempotencyStore real;
  private final AtomicInteger failingCompletions = new AtomicInteger();
  private final AtomicInteger completionAttempts = new AtomicInteger();
  private volatile boolean claimsThrowUnchecked;

  public FlakyIdempotencyStore(IdempotencyStore real) {
    this.real = Objects.requireNonNull(real, "real");
  }

  /** The next {@code count} calls of {@link #complete} fail as unavailable. */
  public FlakyIdempotencyStore failNextCompletions(int count) {
    failingCompletions.set(count);
    return this;
  }

  /** Every claim from now on throws {@link IllegalStateException}, as a broken pool does. */
  public FlakyIdempotencyStore claimsThrowUnchecked() {
    claimsThrowUnchecked = true;
    return this;
  }

  /** How many times {@link #complete} was called, failed ones included. */
  public int completionAttempts() {
    return completionAttempts.get();
  }

  @Override
  public Claim claim(String scope, String keyHash, String fingerprint, Duration lease, Duration retention)
      throws StoreUnavailableException {
    if (claimsThrowUnchecked) {
      throw new IllegalStateException("pool shut down (injected)");
    }
    return real.claim(scope, keyHash, fingerprint, lease, retention);
  }

  @Override
  public boolean complete(String scope, String keyHash, String token, StoredResponse response, Duration retention)
      throws StoreUnavailableException {
    completionAttempts.incrementAndGet();
    if (failingCompletions.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new StoreUnavailableException("store outage (injected)", null);
    }
    return real.complete(scope, keyHash, token, response, retention);
  }

  @Override
  public boolean recordPhase(String scope, String keyHash, String token, String phase, Duration lease)
      throws StoreUnavailableException {
    return real.recordPhase(scope, keyHash, token, phase, lease);
  }

  @Override
  public boolean renewLease(String scope, String keyHash, String token, Duration lease) throws StoreUnavailableException {
    return real.renewLease(scope, keyHash, token, lease);
  }

  @Override
  public boolean release(String scope, String keyHash, String token) throws StoreUnavailableException {
    return real.release(scope, keyHash, token);
  }

  @Override
  public int reapExpired() throws StoreUnavailableException {
    return real.reapExpired();
  }
}
