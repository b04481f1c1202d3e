package dev.tailguard.lab;

/**
 * What one scenario check concluded. Exact (virtual-time) checks are {@link #PASS} or
 * {@link #FAIL}; wall-clock checks can also be {@link #INCONCLUSIVE}: the run was too noisy to
 * tell, and the check says why.
 */
public enum Verdict {
  PASS,
  FAIL,
  INCONCLUSIVE;

  /** The worse of two verdicts: FAIL over INCONCLUSIVE over PASS. */
  public Verdict worse(Verdict other) {
    return rank() >= other.rank() ? this : other;
  }

  private int rank() {
    return this == FAIL ? 2 : this == INCONCLUSIVE ? 1 : 0;
  }
}
