package dev.tailguard.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing of what a gRPC peer or a service-config author controls: {@code grpc-retry-pushback-ms},
 * proto-JSON durations and the service-config JSON. {@code mvn verify} replays the seeds in
 * {@code src/test/resources/dev/tailguard/grpc/GrpcParsersFuzzTestInputs/}.
 *
 * <p>Properties: pushback is absent, exactly "stop" (-1 ms) or a delay of 0 or more; a parsed
 * duration is non-negative, at most 10,000 years and formats back to itself; a service config
 * either parses or fails with {@code IllegalArgumentException}, and its export reads back to the
 * same export (the round trip preserves meaning).
 */
class GrpcParsersFuzzTest {
  private static final Metadata.Key<String> PUSHBACK = Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);
  private static final Duration TEN_THOUSAND_YEARS = Duration.ofSeconds(315_576_000_000L);

  @FuzzTest
  void pushbackIsStopOrANonNegativeDelay(String value) {
    Duration pushback = pushback(value);
    if (pushback != null) {
      assertThat(pushback.equals(Duration.ofMillis(-1)) || !pushback.isNegative()).as("pushback %s", value).isTrue();
    }
  }

  /** gRFC A6: a pushback is a non-negative int32 in plain decimal; anything else means stop. */
  @Test
  void pushbackOutsideA6MeansStop() {
    for (String value : new String[] {"+5", " 5 ", "007", "2147483648"}) {
      assertThat(pushback(value)).as("pushback %s", value).isEqualTo(Duration.ofMillis(-1));
    }
  }

  @FuzzTest
  void protoDurationsAreBoundedAndFormatBack(String value) {
    Duration duration = ProtoDurations.parse(value);
    if (duration != null) {
      assertThat(duration).isBetween(Duration.ZERO, TEN_THOUSAND_YEARS);
      assertThat(ProtoDurations.parse(ProtoDurations.format(duration))).isEqualTo(duration);
    }
  }

  @FuzzTest
  void serviceConfigsParseOrFailPlainlyAndRoundTrip(String json) {
    GrpcServiceConfig config;
    try {
      config = GrpcServiceConfig.fromJson(json);
    } catch (IllegalArgumentException | NullPointerException invalid) {
      return;
    }
    String exported = config.toJson();
    assertThat(GrpcServiceConfig.fromJson(exported).toJson()).isEqualTo(exported);
  }

  private static Duration pushback(String value) {
    Metadata trailers = new Metadata();
    if (value != null) {
      try {
        trailers.put(PUSHBACK, value);
      } catch (IllegalArgumentException notAscii) {
        // gRPC itself refuses to carry it, so no peer can send it.
        return null;
      }
    }
    return AttemptOutcome.closed(null, null, null, Status.UNAVAILABLE, trailers).pushback();
  }
}
