package dev.tailguard.grpc;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * How one gRPC attempt ended, as far as the retry engine is concerned: closed with a status (and,
 * for a unary call, its one response), or committed because a streaming call delivered its first
 * message (the rest then streams to the caller).
 */
final class AttemptOutcome<RespT> {
  private static final Metadata.Key<String> PUSHBACK = Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  private static final Pattern DECIMAL_INT = Pattern.compile("0|[1-9][0-9]{0,9}");
  private static final Duration STOP = Duration.ofMillis(-1);

  final ClientCall<?, RespT> call;
  final Metadata headers;
  final RespT message;
  final Status status;
  final Metadata trailers;
  final AttemptListener<RespT> streamingListener;

  private AttemptOutcome(ClientCall<?, RespT> call, Metadata headers, RespT message, Status status, Metadata trailers,
      AttemptListener<RespT> streamingListener) {
    this.call = call;
    this.headers = headers;
    this.message = message;
    this.status = status;
    this.trailers = trailers;
    this.streamingListener = streamingListener;
  }

  static <RespT> AttemptOutcome<RespT> closed(ClientCall<?, RespT> call, Metadata headers, RespT message, Status status, Metadata trailers) {
    return new AttemptOutcome<>(call, headers, message, status, trailers, null);
  }

  static <RespT> AttemptOutcome<RespT> committed(ClientCall<?, RespT> call, Metadata headers, RespT first, AttemptListener<RespT> listener) {
    return new AttemptOutcome<>(call, headers, first, Status.OK, null, listener);
  }

  boolean isCommitted() {
    return streamingListener != null;
  }

  /**
   * gRFC A6 pushback: a value of 0 or more is the exact delay before the next attempt; a negative
   * or malformed value means "do not retry" (returned as a negative duration); null when absent.
   */
  Duration pushback() {
    if (trailers == null) {
      return null;
    }
    String value = trailers.get(PUSHBACK);
    if (value == null) {
      return null;
    }
    // A6: a non-negative int32 in decimal; anything else ("+5", " 5 ", "007", 2^31) means "stop".
    if (!DECIMAL_INT.matcher(value).matches()) {
      return STOP;
    }
    long millis = Long.parseLong(value);
    return millis > Integer.MAX_VALUE ? STOP : Duration.ofMillis(millis);
  }
}
