package dev.tailguard.http;

/**
 * A request's body was a one-shot stream that did not fit the replay cap ({@code
 * maxReplayBytes}) or what was left of the client's shared replay budget ({@code
 * maxReplayBytesInFlight}), so the call runs as a single attempt: no retries, no hedges.
 *
 * @param method the request method
 * @param uri the request URI with credentials redacted
 * @param bytesRead how many bytes were read before the cap was passed (0 when the declared length
 *     was already over it)
 * @param cap the limit it did not fit, in bytes: {@code maxReplayBytes}, or {@code
 *     maxReplayBytesInFlight} when the shared budget was full
 * @since 0.1
 */
public record BodyNotReplayableEvent(String method, String uri, long bytesRead, long cap) {}
