package dev.tailguard;

import dev.tailguard.internal.Checks;
import java.util.List;
import java.util.Optional;

/**
 * The call gave up while its last attempt had failed retryably: attempts ran out, the deadline
 * would have passed, the server or a budget said stop, or the waiting thread was interrupted.
 *
 * <ul>
 *   <li>{@link #getCause()} is the last attempt's exception, or null when the last attempt
 *       returned a retryable result (its summary is in {@link #lastResultSummary()}).
 *   <li>{@link #getSuppressed()} holds the earlier attempts' exceptions, oldest first (plus the
 *       {@link InterruptedException} when {@link GiveUpReason#INTERRUPTED}).
 *   <li>{@link #attempts()} is the history: number, start offset, duration and outcome of the
 *       first ten and the last ten attempts; {@link #omittedAttempts()} counts the ones between,
 *       whose records and exceptions are not kept, so a call allowed millions of attempts still
 *       carries a small exception. {@link #attemptCount()} is how many attempts ran in all.
 * </ul>
 *
 * @since 0.1
 */
public final class RetriesExhaustedException extends TailguardException {
  private static final long serialVersionUID = 1L;

  private final GiveUpReason reason;
  private final transient List<AttemptRecord> attempts;
  private final String lastResultSummary;
  private final int omittedAttempts;

  /**
   * Creates the exception with a complete history.
   *
   * @param reason why the call gave up
   * @param attempts the history, oldest first
   * @param lastError the last attempt's exception, or null
   * @param lastResultSummary the last attempt's result summary, or null
   */
  public RetriesExhaustedException(
      GiveUpReason reason,
      List<AttemptRecord> attempts,
      Throwable lastError,
      String lastResultSummary) {
    this(reason, attempts, 0, lastError, lastResultSummary);
  }

  /**
   * Creates the exception with a bounded history.
   *
   * @param reason why the call gave up
   * @param attempts the kept records, oldest first: the first attempts, then the last ones
   * @param omittedAttempts how many attempts ran between those two groups without a record
   * @param lastError the last attempt's exception, or null
   * @param lastResultSummary the last attempt's result summary, or null
   * @throws IllegalArgumentException if {@code omittedAttempts} is negative
   */
  public RetriesExhaustedException(
      GiveUpReason reason,
      List<AttemptRecord> attempts,
      int omittedAttempts,
      Throwable lastError,
      String lastResultSummary) {
    super(message(reason, attempts, omittedAttempts), lastError);
    Checks.argument(omittedAttempts >= 0, "omittedAttempts must be >= 0: %s", omittedAttempts);
    this.reason = reason;
    this.attempts = List.copyOf(attempts);
    this.lastResultSummary = lastResultSummary;
    this.omittedAttempts = omittedAttempts;
  }

  private static String message(GiveUpReason reason, List<AttemptRecord> attempts, int omitted) {
    long total = (long) attempts.size() + Math.max(0, omitted);
    StringBuilder message =
        new StringBuilder("gave up after ")
            .append(total)
            .append(total == 1 ? " attempt (" : " attempts (")
            .append(reason)
            .append(')');
    for (int i = 0; i < attempts.size(); i++) {
      AttemptRecord record = attempts.get(i);
      // The omitted attempts sit where the kept numbers jump.
      if (omitted > 0 && i > 0 && record.attempt() - attempts.get(i - 1).attempt() > 1) {
        message.append("\n  ... ").append(omitted).append(omitted == 1 ? " attempt" : " attempts").append(" not kept ...");
      }
      message.append("\n  ").append(record);
    }
    return message.toString();
  }

  /** Returns why the call gave up. */
  public GiveUpReason reason() {
    return reason;
  }

  /**
   * Returns the kept attempts' records, oldest first: every attempt when the call made at most
   * twenty, else the first ten and the last ten.
   */
  public List<AttemptRecord> attempts() {
    return attempts;
  }

  /** Returns how many attempts ran between the first and the last kept ones, unrecorded; 0 usually. */
  public int omittedAttempts() {
    return omittedAttempts;
  }

  /** Returns how many attempts the call made in all: the kept records plus the omitted ones. */
  public long attemptCount() {
    return (long) attempts.size() + omittedAttempts;
  }

  /** Returns the summary of the last attempt's result, when it returned one. */
  public Optional<String> lastResultSummary() {
    return Optional.ofNullable(lastResultSummary);
  }
}
