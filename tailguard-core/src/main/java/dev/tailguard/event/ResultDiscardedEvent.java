package dev.tailguard.event;

/**
 * A result was produced that nobody will receive. The call's {@code onDiscard} hook has already
 * been given the result to release it (close a response body); this event is for observation.
 *
 * @since 0.1
 */
public final class ResultDiscardedEvent {
  /** Why a result was discarded. */
  public enum Reason {
    /** The result was classified retryable and another attempt follows. */
    RETRIED,
    /** The result was retryable but the call gave up and throws instead. */
    GAVE_UP,
    /** The result arrived after its attempt had timed out or been cancelled. */
    LATE,
    /** The call had already ended (cancelled by the caller) when the result arrived. */
    CALL_ENDED
  }

  private final int attempt;
  private final Reason reason;
  private final Object result;

  /**
   * Creates the event.
   *
   * @param attempt the attempt that produced the result
   * @param reason why it was discarded
   * @param result the discarded result, already released
   */
  public ResultDiscardedEvent(int attempt, Reason reason, Object result) {
    this.attempt = attempt;
    this.reason = reason;
    this.result = result;
  }

  /** Returns the attempt that produced the result. */
  public int attempt() {
    return attempt;
  }

  /** Returns why the result was discarded. */
  public Reason reason() {
    return reason;
  }

  /** Returns the result; it has already been released by the call's discard hook. */
  public Object result() {
    return result;
  }

  @Override
  public String toString() {
    return "ResultDiscardedEvent{attempt=" + attempt + ", reason=" + reason + "}";
  }
}
