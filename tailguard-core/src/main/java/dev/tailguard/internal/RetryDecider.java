package dev.tailguard.internal;

import dev.tailguard.GiveUpReason;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import java.util.random.RandomGenerator;

/**
 * The one place that decides whether a call retries. Pure: the same inputs (and the same random
 * draws) give the same decision; the synchronous and asynchronous loops both call it and differ
 * only in how they wait.
 */
public final class RetryDecider {
  /** A {@code hintNanos} value meaning the server gave no hint. */
  public static final long NO_HINT = Long.MIN_VALUE;
  /** An {@code elapsedNanos} value meaning the call's start time is unknown. */
  public static final long UNKNOWN = -1;

  private RetryDecider() {}

  /**
   * Decides what follows attempt {@code attempt}.
   *
   * @param policy the policy
   * @param verdict the classifier's verdict on the attempt
   * @param jvmError whether the attempt threw an {@link Error}, which is never retried
   * @param attempt the attempt just finished, from 1
   * @param elapsedNanos the time since the call started, or {@link #UNKNOWN} (only when there is no
   *     deadline)
   * @param hintNanos the server's hinted delay, negative to stop, or {@link #NO_HINT}
   * @param backoffIndex how many backoff delays have been used since the last server hint
   * @param previousDelayNanos the last backoff delay, for decorrelated jitter
   * @param random the jitter's randomness
   */
  public static RetryDecision decide(
      RetryPolicy policy,
      Verdict verdict,
      boolean jvmError,
      int attempt,
      long elapsedNanos,
      long hintNanos,
      int backoffIndex,
      long previousDelayNanos,
      RandomGenerator random) {
    if (verdict == Verdict.SUCCESS) {
      return RetryDecision.SUCCEED;
    }
    // An Error means the JVM is in trouble; another attempt would only make it worse.
    if (verdict == Verdict.NON_RETRYABLE || jvmError) {
      return RetryDecision.FAIL;
    }
    if (attempt >= policy.maxAttempts()) {
      return RetryDecision.giveUp(GiveUpReason.MAX_ATTEMPTS);
    }
    long delay;
    int nextIndex;
    long nextPrevious;
    boolean hinted = hintNanos != NO_HINT;
    if (hinted) {
      // gRFC A6: a negative pushback means the server does not want this call retried.
      if (hintNanos < 0) {
        return RetryDecision.giveUp(GiveUpReason.SERVER_REFUSED);
      }
      // Used exactly (never jittered below the server's value), but a peer cannot park us forever.
      delay = Math.min(hintNanos, Durations.toNanosSaturated(policy.maxServerDelay()));
      nextIndex = 0;
      nextPrevious = 0;
    } else {
      nextIndex = backoffIndex + 1;
      delay = policy.backoff().delayNanos(nextIndex, previousDelayNanos, random);
      nextPrevious = delay;
    }
    if (policy.deadline().isPresent()) {
      long remaining = Durations.toNanosSaturated(policy.deadline().get()) - Math.max(0, elapsedNanos);
      // A retry that cannot even start before the deadline would only waste the wait.
      if (delay >= remaining) {
        return RetryDecision.giveUp(GiveUpReason.DEADLINE);
      }
    }
    return RetryDecision.retry(delay, hinted, nextIndex, nextPrevious);
  }
}
