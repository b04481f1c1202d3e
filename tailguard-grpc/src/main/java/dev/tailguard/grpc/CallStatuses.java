package dev.tailguard.grpc;

import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.TailguardException;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The statuses Tailguard closes a call with when no attempt's status answers it. Their descriptions
 * are one line and never name a Java class: they reach users' logs and, through proxies, other
 * services. The exception stays available as the status's cause.
 */
final class CallStatuses {
  /** A qualified Java class name, e.g. {@code dev.tailguard.AttemptTimeoutException}, with its ": ". */
  private static final Pattern CLASS_NAME = Pattern.compile("\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?::\\s*)?");
  private static final int MAX_DESCRIPTION = 200;

  private CallStatuses() {}

  /** The status for a call the engine failed with {@code error}. */
  static Status fromFailure(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof CancellationException) {
      return Status.CANCELLED.withDescription("call cancelled").withCause(cause);
    }
    if (cause instanceof StatusRuntimeException || cause instanceof StatusException) {
      return clean(Status.fromThrowable(cause));
    }
    if (cause instanceof AttemptTimeoutException timeout) {
      return Status.DEADLINE_EXCEEDED.withDescription(describe(timeout)).withCause(cause);
    }
    // Retries ran out on an attempt that failed without a status of its own (Tailguard's timer won
    // the race against gRPC's deadline): the call ends as that attempt did.
    if (cause instanceof RetriesExhaustedException exhausted && exhausted.getCause() != null) {
      Status last = fromFailure(exhausted.getCause());
      return last.getCode() == Status.Code.UNKNOWN ? unavailable(exhausted) : last;
    }
    if (cause instanceof TailguardException) {
      // A budget refusal, an open circuit: the service is unavailable to us now.
      return unavailable(cause);
    }
    return Status.UNKNOWN.withDescription("attempt failed: " + oneLine(cause.getMessage())).withCause(cause);
  }

  private static Status unavailable(Throwable cause) {
    return Status.UNAVAILABLE.withDescription(oneLine(cause.getMessage())).withCause(cause);
  }

  private static String describe(AttemptTimeoutException timeout) {
    return oneLine(timeout.getMessage());
  }

  /** CANCELLED or DEADLINE_EXCEEDED for a caller's Context that was cancelled or timed out. */
  static Status fromCancelledContext(Context context) {
    Throwable cause = context.cancellationCause();
    if (cause instanceof TimeoutException) {
      return Status.DEADLINE_EXCEEDED.withDescription("the caller's Context deadline passed").withCause(cause);
    }
    if (cause instanceof StatusRuntimeException || cause instanceof StatusException) {
      Status status = Status.fromThrowable(cause);
      return status.getDescription() == null ? status.withDescription("the caller's Context was cancelled") : clean(status);
    }
    return Status.CANCELLED.withDescription("the caller's Context was cancelled").withCause(cause);
  }

  /** The caller's own cancellation, its message made one line without class names. */
  static Status cancelledByCaller(String message, Throwable cause) {
    return Status.CANCELLED.withDescription(message == null ? "call cancelled" : oneLine(message)).withCause(cause);
  }

  /** {@code status} with its description, if any, made one line without class names. */
  static Status clean(Status status) {
    return status.getDescription() == null ? status : status.withDescription(oneLine(status.getDescription()));
  }

  /** The first line of {@code text}, without Java class names, at most 200 characters. */
  static String oneLine(String text) {
    if (text == null || text.isBlank()) {
      return "no detail";
    }
    String first = text.strip().split("[\\r\\n]", 2)[0];
    String cleaned = CLASS_NAME.matcher(first).replaceAll("").strip();
    if (cleaned.isEmpty()) {
      cleaned = "no detail";
    }
    return cleaned.length() <= MAX_DESCRIPTION ? cleaned : cleaned.substring(0, MAX_DESCRIPTION - 1) + "…";
  }
}
