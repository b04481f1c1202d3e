package dev.tailguard.http;

import java.io.IOException;

/**
 * An attempt failed in a way another attempt might have fixed, but Tailguard did not retry it
 * because sending the request again would not have been safe. The cause is the attempt's own
 * failure.
 *
 * @since 0.1
 */
public final class NotRetriedException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why the request was not sent again. */
  public enum Reason {
    /**
     * The request may have reached the server (the connection failed after it was sent), and it
     * is not safe to send twice: a POST or PATCH without an {@code Idempotency-Key}.
     */
    MAY_HAVE_BEEN_PROCESSED,
    /** The request body was a one-shot stream larger than the replay cap, so it could not be re-sent. */
    BODY_NOT_REPLAYABLE
  }

  private final Reason reason;

  NotRetriedException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** The request may have reached the server and is not safe to send twice. */
  public static NotRetriedException mayHaveBeenProcessed(String method, String redactedUri, Throwable cause) {
    return new NotRetriedException(Reason.MAY_HAVE_BEEN_PROCESSED,
        method + " " + redactedUri + " failed after the request was sent, so it may have been processed; "
            + "not retried because " + method + " is not safe to send twice without an Idempotency-Key "
            + "(set the header, or build the client with serverHonoursIdempotencyKey(true) if the server de-duplicates by it): " + cause,
        cause);
  }

  /** The request's one-shot body could not be re-sent. {@code bytesRead} may be -1 when unknown. */
  public static NotRetriedException bodyNotReplayable(String method, String redactedUri, long bytesRead, long cap, Throwable cause) {
    return new NotRetriedException(Reason.BODY_NOT_REPLAYABLE,
        method + " " + redactedUri + " failed and was not retried: its request body is a one-shot stream that did not fit the "
            + cap + "-byte replay cap (" + bytesRead + " bytes read before the cap): " + cause,
        cause);
  }

  /** The request's body declares itself one-shot (OkHttp's {@code RequestBody.isOneShot()}). */
  public static NotRetriedException oneShotBody(String method, String redactedUri, Throwable cause) {
    return new NotRetriedException(Reason.BODY_NOT_REPLAYABLE,
        method + " " + redactedUri + " failed and was not retried: its request body is one-shot and cannot be sent twice: " + cause,
        cause);
  }

  /** Returns why the request was not sent again. */
  public Reason reason() {
    return reason;
  }
}
