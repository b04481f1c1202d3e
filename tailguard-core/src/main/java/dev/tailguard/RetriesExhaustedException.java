package dev.tailguard;

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
 *   <li>{@link #attempts()} is the full history: number, start offset, duration and outcome.
 * </ul>
 *
 * @since 0.1
 */
public final class RetriesExhaustedException extends TailguardException {
  private static final long serialVersionUID = 1L;

  private final GiveUpReason reason;
  private final transient List<AttemptRecord> attempts;
  private final String lastResultSummary;

  /**
   * Creates the exception.
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
    super(message(reason, attempts), lastError);
    this.reason = reason;
    this.attempts = List.copyOf(attempts);
    this.lastResultSummary = lastResultSummary;
  }

  private static String message(GiveUpReason reason, List<AttemptRecord> attempts) {
    StringBuilder message =
        new StringBuilder("gave up after ")
            .append(attempts.size())
            .append(attempts.size() == 1 ? " attempt (" : " attempts (")
            .append(reason)
            .append(')');
    for (AttemptRecord record : attempts) {
      message.append("\n  ").append(record);
    }
    return message.toString();
  }

  /** Returns why the call gave up. */
  public GiveUpReason reason() {
    return reason;
  }

  /** Returns every attempt's record, oldest first. */
  public List<AttemptRecord> attempts() {
    return attempts;
  }

  /** Returns the summary of the last attempt's result, when it returned one. */
  public Optional<String> lastResultSummary() {
    return Optional.ofNullable(lastResultSummary);
  }
}
