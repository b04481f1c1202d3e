package dev.tailguard;

import dev.tailguard.internal.Durations;
import java.time.Duration;
import java.util.Optional;

/**
 * What happened in one failed attempt, for the history a give-up carries (like pester's ErrLog).
 *
 * <p>Instances are immutable.
 *
 * @since 0.1
 */
public final class AttemptRecord {
  private final int attempt;
  private final long startOffsetNanos;
  private final long durationNanos;
  private final Verdict verdict;
  private final Throwable error;
  private final String resultSummary;

  /**
   * Creates a record.
   *
   * @param attempt the attempt number, from 1
   * @param startOffsetNanos when it started, relative to the call's start; negative if unknown
   * @param durationNanos how long it took; negative if unknown
   * @param verdict how its outcome was classified
   * @param error its exception, or null
   * @param resultSummary a summary of its result, or null when it threw
   */
  public AttemptRecord(
      int attempt,
      long startOffsetNanos,
      long durationNanos,
      Verdict verdict,
      Throwable error,
      String resultSummary) {
    this.attempt = attempt;
    this.startOffsetNanos = startOffsetNanos;
    this.durationNanos = durationNanos;
    this.verdict = verdict;
    this.error = error;
    this.resultSummary = resultSummary;
  }

  /** Returns the attempt number, from 1. */
  public int attempt() {
    return attempt;
  }

  /**
   * Returns when the attempt started, relative to the start of the call. Empty when unknown: a
   * call with no deadline, timeout or success listener does not read the clock before its first
   * attempt, to keep the success path free of clock reads.
   */
  public Optional<Duration> startOffset() {
    return startOffsetNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(startOffsetNanos));
  }

  /** Returns how long the attempt took, when known (see {@link #startOffset()}). */
  public Optional<Duration> duration() {
    return durationNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(durationNanos));
  }

  /** Returns how the attempt's outcome was classified. */
  public Verdict verdict() {
    return verdict;
  }

  /** Returns the attempt's exception, if it threw. */
  public Optional<Throwable> error() {
    return Optional.ofNullable(error);
  }

  /** Returns the summary of the attempt's result, if it returned one. */
  public Optional<String> resultSummary() {
    return Optional.ofNullable(resultSummary);
  }

  /** Formats as {@code #2 +105ms 31ms RETRYABLE java.io.IOException: reset}. */
  @Override
  public String toString() {
    String outcome = error != null ? String.valueOf(error) : "result " + resultSummary;
    return "#"
        + attempt
        + " +"
        + Durations.format(startOffsetNanos)
        + " "
        + Durations.format(durationNanos)
        + " "
        + verdict
        + " "
        + outcome;
  }
}
