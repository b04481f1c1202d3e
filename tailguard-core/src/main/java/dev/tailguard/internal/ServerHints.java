package dev.tailguard.internal;

import dev.tailguard.OutcomeHandler;
import java.time.Duration;

/** Reads the handler's server hint (Retry-After, gRPC pushback) the same way for both engines. */
final class ServerHints {
  private ServerHints() {}

  /**
   * Returns {@link RetryDecider#NO_HINT} when there is none (or the reader threw, which is logged
   * with {@code ignoring} saying what happens instead), -1 for "stop", else the delay in nanos,
   * saturated.
   */
  @SuppressWarnings("unchecked")
  static <T> long read(OutcomeHandler<? super T> handler, T result, Throwable error, String ignoring) {
    Duration hint;
    try {
      hint = ((dev.tailguard.ServerHint<Object>) handler.serverHint()).delay(result, error);
    } catch (RuntimeException e) {
      // A hint we cannot read is no hint.
      Listeners.warn("Tailguard server hint reader threw; " + ignoring, e);
      return RetryDecider.NO_HINT;
    }
    if (hint == null) {
      return RetryDecider.NO_HINT;
    }
    return hint.isNegative() ? -1 : Durations.toNanosSaturated(hint);
  }
}
