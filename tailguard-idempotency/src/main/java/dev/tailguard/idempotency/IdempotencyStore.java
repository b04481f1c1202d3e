package dev.tailguard.idempotency;

import java.time.Duration;

/**
 * Where idempotency records live. Every operation is one atomic step in the store (a unique
 * index, a Lua script, a {@code compute} on a map), never a check-then-act: two instances racing
 * on one key must see exactly one {@link Claim.Outcome#CLAIMED}.
 *
 * <p>Keys arrive hashed ({@link IdempotencyKey#hash()}); scopes are the caller's principal or
 * tenant, never raw credentials. Completion, phase updates and release are compare-and-set on the
 * lease's fencing token, so an owner whose lease expired cannot overwrite its successor.
 *
 * <p>Implementations must be thread-safe. {@code IdempotencyStoreContract} in {@code
 * tailguard-testing} is the test suite every store passes.
 *
 * @since 0.1
 */
public interface IdempotencyStore {

  /**
   * Claims (scope, keyHash) for a request with {@code fingerprint}: inserts a record in progress
   * under a new lease; or, when one exists, reports it, taking over its lease if it expired and
   * the fingerprint matches. A record past its retention counts as absent.
   *
   * @param lease how long the claim holds without completing
   * @param retention how long the record is kept after it was created
   */
  Claim claim(String scope, String keyHash, String fingerprint, Duration lease, Duration retention)
      throws StoreUnavailableException;

  /**
   * Stores the outcome and ends the lease, if {@code token} still holds it.
   *
   * @return false when the lease was lost (expired and taken over): the outcome is not stored
   */
  boolean complete(String scope, String keyHash, String token, StoredResponse response, Duration retention)
      throws StoreUnavailableException;

  /**
   * Records the phase a multi-phase handler reached, if {@code token} still holds the lease, and
   * renews the lease.
   *
   * @return false when the lease was lost
   */
  boolean recordPhase(String scope, String keyHash, String token, String phase, Duration lease)
      throws StoreUnavailableException;

  /**
   * Deletes the record, if {@code token} still holds its lease, so that a retry runs the handler
   * again (the handler failed before any effect that must not repeat).
   *
   * @return false when the lease was lost
   */
  boolean release(String scope, String keyHash, String token) throws StoreUnavailableException;

  /** Deletes records past their retention; returns how many. Call it from a reaper. */
  int reapExpired() throws StoreUnavailableException;
}
