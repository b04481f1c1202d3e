package dev.tailguard.idempotency;

import java.time.Duration;

/**
 * Where idempotency records live. Every operation is one atomic step in the store (a unique
 * index, a Lua script, a {@code compute} on a map), never a check-then-act: two instances racing
 * on one key must see exactly one {@link Claim.Outcome#CLAIMED}.
 *
 * <p>Keys and scopes arrive hashed: {@code keyHash} is {@link IdempotencyKey#hash()} and {@code
 * scope} is the SHA-256 of the caller's principal or tenant, both 64 lower-case hex characters, so a
 * store's columns and key names are fixed-size ASCII whatever the principal is. Completion, phase updates and release are compare-and-set on the
 * lease's fencing token, so an owner whose lease expired cannot overwrite its successor.
 *
 * <p>Leases and retention are judged on <b>one clock for the whole fleet</b>: a shared store uses
 * its server's time (the database's {@code now()}, Redis {@code TIME}), never each instance's wall
 * clock, or two instances whose clocks disagree by more than a lease both run the handler.
 *
 * <p>Implementations must be thread-safe, and report every failure to reach the store (including
 * a driver's unchecked exceptions and timeouts) as {@link StoreUnavailableException}. {@code IdempotencyStoreContract} in {@code
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
   * Extends the lease to {@code lease} from now, if {@code token} still holds it: what keeps a
   * long handler's claim from being taken over while it runs.
   *
   * @return false when the lease was lost (expired and taken over, completed or released)
   * @since 0.2
   */
  boolean renewLease(String scope, String keyHash, String token, Duration lease) throws StoreUnavailableException;

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
