package dev.tailguard.idempotency;

/**
 * What a store answers when asked to claim a (scope, key) for a request.
 *
 * @param outcome what happened
 * @param token the fencing token of the new lease, when {@link Outcome#CLAIMED}
 * @param recoveryPoint the last phase the previous owner recorded, when a lease was taken over;
 *     null for a fresh claim
 * @param response the stored response, when {@link Outcome#COMPLETED}
 * @since 0.1
 */
public record Claim(Outcome outcome, String token, String recoveryPoint, StoredResponse response) {
  /** The possible answers. */
  public enum Outcome {
    /** The caller holds the lease now: run the handler. */
    CLAIMED,
    /** Another request with this key and fingerprint is running under a live lease. */
    IN_PROGRESS,
    /** A request with this key and fingerprint completed; {@code response} is its outcome. */
    COMPLETED,
    /** The key is taken by a request with a different fingerprint. */
    MISMATCH
  }

  public static Claim claimed(String token, String recoveryPoint) {
    return new Claim(Outcome.CLAIMED, token, recoveryPoint, null);
  }

  public static Claim inProgress() {
    return new Claim(Outcome.IN_PROGRESS, null, null, null);
  }

  public static Claim completed(StoredResponse response) {
    return new Claim(Outcome.COMPLETED, null, null, response);
  }

  public static Claim mismatch() {
    return new Claim(Outcome.MISMATCH, null, null, null);
  }
}
