package dev.tailguard.internal;

import dev.tailguard.RetryBudget;
import dev.tailguard.Verdict;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Model check of {@link TokenBucketBudget}, the gRFC A6 retry-throttling bucket shared by every
 * call to a backend.
 *
 * <p>Sequential specification ({@link Spec}): a level in [0, max] starting at max; a retryable
 * failure takes 1 token, a success adds {@code ratio} tokens (both clamped), a non-retryable outcome
 * changes nothing; {@code admit} answers whether the level is above max / 2 and spends nothing.
 */
public class TokenBucketLincheckTest {
  static final int MAX_TOKENS = 3;
  static final double RATIO = 0.5;

  private final TokenBucketBudget budget =
      (TokenBucketBudget) RetryBudget.tokenBucket().maxTokens(MAX_TOKENS).tokenRatio(RATIO).build();

  @Operation
  public boolean admit() {
    return budget.admit(2);
  }

  @Operation
  public void failure() {
    budget.record(Verdict.RETRYABLE);
  }

  @Operation
  public void success() {
    budget.record(Verdict.SUCCESS);
  }

  @Operation
  public void rejected() {
    budget.record(Verdict.NON_RETRYABLE);
  }

  @Operation
  public double tokens() {
    return budget.tokens();
  }

  @Test
  void everyInterleavingMatchesTheSequentialBucket() {
    LincheckRuns.modelChecking().sequentialSpecification(Spec.class).check(getClass());
  }

  /** The bucket as plain arithmetic on one double. */
  public static final class Spec {
    private double level = MAX_TOKENS;

    public boolean admit() {
      return level > MAX_TOKENS / 2.0;
    }

    public void failure() {
      level = Math.max(0, level - 1);
    }

    public void success() {
      level = Math.min(MAX_TOKENS, level + RATIO);
    }

    public void rejected() {}

    public double tokens() {
      return level;
    }
  }
}
