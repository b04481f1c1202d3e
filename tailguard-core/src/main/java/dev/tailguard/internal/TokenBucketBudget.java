package dev.tailguard.internal;

import dev.tailguard.BudgetState;
import dev.tailguard.RetryBudget;
import dev.tailguard.Verdict;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gRFC A6 {@code retryThrottling} token bucket.
 *
 * <p>Design note (budgets). A budget is shared by every call to a backend, so it sits on the hot
 * path of all of them and must never become the bottleneck or the bug. Three rules hold for every
 * budget kind in this package:
 *
 * <ul>
 *   <li>Concurrency: state is one or a few atomics updated by CAS loops whose bodies are pure
 *       arithmetic. No locks (virtual threads never pin), and no listener, clock read or
 *       allocation inside a CAS loop: events fire after the decision.
 *   <li>Time: windows come from the injected {@link dev.tailguard.time.Clock}, so FakeClock tests
 *       drive them exactly, and nothing runs in the background.
 *   <li>Failure: a denial is an explicit outcome ({@code BudgetExhaustedException} with the state),
 *       never a silent skip.
 * </ul>
 *
 * <p>State: {@code milliTokens}, the tokens times 1000 (fixed point, as grpc-java keeps them, so
 * a ratio of 0.1 adds exactly 100 per success and no rounding drift accumulates).
 *
 * <p>Invariant: {@code 0 <= milliTokens <= maxMilliTokens}. Admission reads it once: a retry or
 * hedge is allowed iff {@code milliTokens > maxMilliTokens / 2}. Admission itself spends nothing
 * (A6): only outcomes move the level, a failure by −1000 and a success by +ratio·1000.
 */
public final class TokenBucketBudget implements RetryBudget {
  private final int maxMilliTokens;
  private final int thresholdMilliTokens;
  private final int ratioMilliTokens;
  private final AtomicInteger milliTokens;
  private final BudgetDenials denials;
  private final String description;

  public TokenBucketBudget(RetryBudget.TokenBucketBuilder builder) {
    this.maxMilliTokens = builder.maxTokens() * 1000;
    this.thresholdMilliTokens = maxMilliTokens / 2;
    this.ratioMilliTokens = (int) Math.round(builder.tokenRatio() * 1000);
    this.milliTokens = new AtomicInteger(maxMilliTokens);
    this.denials = new BudgetDenials(builder.deniedListeners());
    this.description = "TokenBucket(maxTokens=" + builder.maxTokens() + ", tokenRatio=" + builder.tokenRatio() + ")";
  }

  @Override
  public boolean admit(int attempt) {
    if (milliTokens.get() > thresholdMilliTokens) {
      return true;
    }
    denials.denied(attempt, this::state);
    return false;
  }

  @Override
  public void record(Verdict verdict) {
    // Only retryable failures drain the bucket: a 400 says nothing about the backend's health.
    if (verdict == Verdict.RETRYABLE) {
      add(-1000);
    } else if (verdict == Verdict.SUCCESS) {
      add(ratioMilliTokens);
    }
  }

  private void add(int delta) {
    int current;
    int next;
    do {
      current = milliTokens.get();
      next = Math.max(0, Math.min(maxMilliTokens, current + delta));
    } while (next != current && !milliTokens.compareAndSet(current, next));
  }

  /** The tokens left. */
  public double tokens() {
    return milliTokens.get() / 1000.0;
  }

  @Override
  public BudgetState state() {
    return BudgetState.of(description, tokens(), maxMilliTokens / 1000.0, denials.count());
  }

  @Override
  public String toString() {
    return state().toString();
  }
}
