package dev.tailguard.grpc;

import static dev.tailguard.grpc.EchoService.fail;
import static dev.tailguard.grpc.EchoService.failWithPushback;
import static dev.tailguard.grpc.EchoService.hang;
import static dev.tailguard.grpc.EchoService.ok;
import static dev.tailguard.grpc.EchoService.sendThenFail;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import dev.tailguard.testing.Eventually;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each scenario (a service config, a scripted server, a way of calling) runs twice on fresh servers
 * with the same script: through grpc-java 1.68's built-in engine ({@code defaultServiceConfig} +
 * {@code enableRetry}) and through Tailguard ({@code disableRetry} + {@code
 * GrpcServiceConfig.fromJson(json).interceptor()}). Both must show the same attempts on the server
 * (grpc-previous-rpc-attempts and grpc-timeout presence per attempt), the same final status code,
 * and elapsed times within {@link #TOLERANCE_MS} (a mismatch is measured again, up to twice, so one
 * stall of a loaded machine does not fail a row). Rows marked {@code A6} are where grpc-java departs
 * from gRFC A6; Tailguard follows A6 there and the row checks A6's timing instead.
 *
 * <p>Wall-clock, on in-process servers and (a few rows) Netty on 127.0.0.1. The tolerance is wide
 * for a loaded 2-core machine; the bugs these rows guard against are 1 s or more apart.
 */
@Timeout(60)
class DifferentialAgainstGrpcJavaTest {
  /** How far Tailguard's elapsed time may be from grpc-java's. */
  static final long TOLERANCE_MS = 500;
  private static final Pattern JAVA_CLASS = Pattern.compile("\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*");
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor();

  /** How the caller calls: streaming or unary, deadlines, a Context cancelled after a while, how many calls. */
  record Call(boolean streaming, long deadlineMs, long contextDeadlineMs, long contextCancelMs, int calls) {
    static Call unary() {
      return new Call(false, 0, 0, 0, 1);
    }

    Call streamingCall() {
      return new Call(true, deadlineMs, contextDeadlineMs, contextCancelMs, calls);
    }

    Call deadline(long ms) {
      return new Call(streaming, ms, contextDeadlineMs, contextCancelMs, calls);
    }

    Call contextDeadline(long ms) {
      return new Call(streaming, deadlineMs, ms, contextCancelMs, calls);
    }

    Call contextCancelledAfter(long ms) {
      return new Call(streaming, deadlineMs, contextDeadlineMs, ms, calls);
    }

    Call times(int n) {
      return new Call(streaming, deadlineMs, contextDeadlineMs, contextCancelMs, n);
    }
  }

  /**
   * One scenario. A non-null {@code a6Reason} marks a row where grpc-java's timing departs from A6:
   * Tailguard's elapsed time must then lie in [{@code a6MinMs}, {@code a6MaxMs}] (A6's answer);
   * attempts and status code must still agree with grpc-java.
   */
  record Row(String name, String serviceConfig, List<EchoService.Step> script, Call call, long a6MinMs, long a6MaxMs, String a6Reason) {
    @Override
    public String toString() {
      return name;
    }
  }

  record Outcome(Status.Code code, long elapsedMs, List<ScriptedServer.AttemptSeen> attempts, List<String> descriptions) {}

  private static String retry(int maxAttempts, String initialBackoff, String codes) {
    return """
        {"methodConfig": [{"name": [{"service": "test.Echo"}], "retryPolicy": {"maxAttempts": %d,
          "initialBackoff": "%s", "maxBackoff": "10s", "backoffMultiplier": 2, "retryableStatusCodes": [%s]}}]}"""
        .formatted(maxAttempts, initialBackoff, codes);
  }

  private static String hedge(int maxAttempts, String delay, String nonFatal) {
    return """
        {"methodConfig": [{"name": [{"service": "test.Echo"}], "hedgingPolicy": {"maxAttempts": %d,
          "hedgingDelay": "%s"%s}}]}"""
        .formatted(maxAttempts, delay, nonFatal == null ? "" : ", \"nonFatalStatusCodes\": [" + nonFatal + "]");
  }

  private static Row row(String name, String config, Call call, EchoService.Step... script) {
    return new Row(name, config, List.of(script), call, 0, 0, null);
  }

  private static Row a6(String name, String config, Call call, long minMs, long maxMs, String reason, EchoService.Step... script) {
    return new Row(name, config, List.of(script), call, minMs, maxMs, reason);
  }

  static List<Row> table() {
    Call unary = Call.unary();
    String unavailable = "\"UNAVAILABLE\"";
    return List.of(
        row("retry until success", retry(3, "0.01s", unavailable), unary,
            fail(Status.UNAVAILABLE), fail(Status.UNAVAILABLE), ok("pong")),
        row("retry exhausted", retry(3, "0.01s", unavailable), unary, fail(Status.UNAVAILABLE)),
        row("non-retryable code", retry(3, "0.01s", unavailable), unary, fail(Status.INTERNAL), ok("pong")),
        row("call deadline during a backoff", retry(3, "0.01s", unavailable), unary.deadline(500),
            failWithPushback("2500"), ok("pong")),
        row("call deadline, DEADLINE_EXCEEDED retryable", retry(5, "0.01s", "\"UNAVAILABLE\", \"DEADLINE_EXCEEDED\""),
            unary.deadline(400), hang()),
        row("methodConfig.timeout", """
            {"methodConfig": [{"name": [{"service": "test.Echo"}], "timeout": "0.4s", "retryPolicy": {"maxAttempts": 3,
              "initialBackoff": "0.01s", "maxBackoff": "1s", "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}""",
            unary, hang()),
        row("Context cancelled during an attempt", retry(3, "0.01s", unavailable), unary.contextCancelledAfter(300), hang()),
        row("Context cancelled during a backoff", retry(3, "0.01s", unavailable), unary.contextCancelledAfter(300),
            failWithPushback("2500"), ok("pong")),
        row("Context deadline reaches retries", retry(3, "5s", unavailable), unary.contextDeadline(600),
            failWithPushback("100"), hang()),
        row("Context deadline reaches hedges", hedge(2, "0.1s", unavailable), unary.contextDeadline(500), hang()),
        row("pushback on a retry, positive", retry(2, "5s", unavailable), unary, failWithPushback("1000"), ok("pong")),
        row("pushback on a retry, zero", retry(2, "5s", unavailable), unary, failWithPushback("0"), ok("pong")),
        row("pushback on a retry, negative", retry(3, "0.01s", unavailable), unary, failWithPushback("-1"), ok("pong")),
        row("pushback on a retry, malformed", retry(3, "0.01s", unavailable), unary, failWithPushback("soon"), ok("pong")),
        a6("pushback on a hedge, positive", hedge(3, "5s", unavailable), unary, 950, 1000 + TOLERANCE_MS,
            "A6: a pushback on a hedged call delays the next hedge by exactly that much; grpc-java 1.68 was measured sending it at once",
            failWithPushback("1000"), ok("pong")),
        row("pushback on a hedge, zero", hedge(3, "5s", unavailable), unary, failWithPushback("0"), ok("pong")),
        row("pushback on a hedge, negative", hedge(3, "5s", unavailable), unary, failWithPushback("-1"), ok("pong")),
        row("pushback on a hedge, malformed", hedge(3, "5s", unavailable), unary, failWithPushback("2147483648"), ok("pong")),
        row("hedging past a slow attempt", hedge(2, "0.2s", unavailable), unary, hang(), ok("pong")),
        row("hedging without non-fatal codes", hedge(2, "1.5s", null), unary, fail(Status.UNAVAILABLE), ok("pong")),
        a6("hedging after a non-fatal failure", hedge(2, "1.5s", unavailable), unary, 0, TOLERANCE_MS,
            "A6: a non-fatal failure sends the next hedge at once; grpc-java waits out the hedging delay",
            fail(Status.UNAVAILABLE), ok("pong")),
        row("retryThrottling", """
            {"methodConfig": [{"name": [{"service": "test.Echo"}], "retryPolicy": {"maxAttempts": 3,
              "initialBackoff": "0.01s", "maxBackoff": "0.01s", "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}],
             "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1}}""", unary.times(4), fail(Status.UNAVAILABLE)),
        row("streaming, failure before the first message", retry(3, "0.01s", unavailable), unary.streamingCall(),
            fail(Status.UNAVAILABLE), ok("a", "b")),
        row("streaming, failure after the first message", retry(3, "0.01s", unavailable), unary.streamingCall(),
            sendThenFail("a", Status.UNAVAILABLE), ok("x")));
  }

  /** The rows that also run over Netty: the transport changes how deadlines and cancellations travel. */
  private static final List<String> NETTY_ROWS = List.of("retry until success", "call deadline during a backoff",
      "Context cancelled during a backoff", "Context deadline reaches retries", "pushback on a hedge, positive");

  static Stream<Arguments> scenarios() {
    List<Arguments> all = new ArrayList<>();
    for (Row row : table()) {
      all.add(Arguments.of("in-process", row));
      if (NETTY_ROWS.contains(row.name())) {
        all.add(Arguments.of("netty", row));
      }
    }
    return all.stream();
  }

  @BeforeAll
  static void warmUp() throws Exception {
    // The first call in a JVM loads gRPC's classes; keep that out of the timed rows.
    Row warm = row("warm-up", retry(2, "0.01s", "\"UNAVAILABLE\""), Call.unary(), fail(Status.UNAVAILABLE), ok("pong"));
    for (boolean netty : new boolean[] {false, true}) {
      run(warm, netty, false);
      run(warm, netty, true);
    }
  }

  @AfterAll
  static void stopTimer() {
    TIMER.shutdownNow();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("scenarios")
  void tailguardAgreesWithGrpcJavasBuiltInEngine(String transport, Row row) throws Exception {
    boolean netty = transport.equals("netty");
    Outcome reference = run(row, netty, false);
    Outcome tailguard = run(row, netty, true);

    assertThat(tailguard.code()).as("final status code (grpc-java: %s)", reference).isEqualTo(reference.code());
    assertThat(tailguard.attempts()).as("attempts on the server: previous-rpc-attempts and grpc-timeout (grpc-java: %s)", reference)
        .isEqualTo(reference.attempts());
    if (row.a6Reason() == null) {
      // Wall-clock on a shared 2-core machine: a stalled JVM can delay either engine by hundreds of
      // milliseconds once. The bugs these rows guard against are systematic, so a timing mismatch is
      // measured again, both engines afresh, up to twice, and fails only if no measurement agrees.
      List<String> measured = new ArrayList<>();
      long gap = Math.abs(tailguard.elapsedMs() - reference.elapsedMs());
      measured.add("Tailguard " + tailguard.elapsedMs() + " ms, grpc-java " + reference.elapsedMs() + " ms");
      for (int again = 0; again < 2 && gap > TOLERANCE_MS; again++) {
        Outcome referenceAgain = run(row, netty, false);
        Outcome tailguardAgain = run(row, netty, true);
        gap = Math.abs(tailguardAgain.elapsedMs() - referenceAgain.elapsedMs());
        measured.add("Tailguard " + tailguardAgain.elapsedMs() + " ms, grpc-java " + referenceAgain.elapsedMs() + " ms");
      }
      assertThat(gap).as("%s: elapsed, every measurement: %s (first: Tailguard %s, grpc-java %s)", row, measured, tailguard, reference)
          .isLessThanOrEqualTo(TOLERANCE_MS);
    } else {
      assertThat(tailguard.elapsedMs()).as("%s (Tailguard %s, grpc-java %s)", row.a6Reason(), tailguard, reference)
          .isBetween(row.a6MinMs(), row.a6MaxMs());
    }
    for (String description : tailguard.descriptions()) {
      assertThat(description).as("a status description is one line without Java class names")
          .doesNotContain("\n", "\r").doesNotContainPattern(JAVA_CLASS);
    }
  }

  static Outcome run(Row row, boolean netty, boolean tailguard) throws Exception {
    try (ScriptedServer server = new ScriptedServer(netty, row.script())) {
      ManagedChannelBuilder<?> builder = netty
          ? NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
          : InProcessChannelBuilder.forName(server.inProcessName);
      if (tailguard) {
        builder.disableRetry();
      } else {
        @SuppressWarnings("unchecked")
        Map<String, ?> config = new Gson().fromJson(row.serviceConfig(), Map.class);
        builder.defaultServiceConfig(config).enableRetry();
      }
      ManagedChannel managed = builder.build();
      try {
        Channel channel = tailguard
            ? ClientInterceptors.intercept(managed, GrpcServiceConfig.fromJson(row.serviceConfig()).interceptor())
            : managed;
        List<String> descriptions = new ArrayList<>();
        Status.Code code = null;
        long start = System.nanoTime();
        for (int i = 0; i < row.call().calls(); i++) {
          Status status = callOnce(channel, row.call());
          code = status.getCode();
          if (status.getDescription() != null) {
            descriptions.add(status.getDescription());
          }
        }
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        int expected = server.attempts().size();
        // A cancelled hedge may reach the server just after the call ended; give it a moment, bounded.
        Eventually.holds(() -> server.attempts().size() > expected, Duration.ofMillis(150));
        return new Outcome(code, elapsedMs, server.attempts(), descriptions);
      } finally {
        managed.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static Status callOnce(Channel channel, Call call) throws Exception {
    CallOptions options = call.deadlineMs() > 0 ? CallOptions.DEFAULT.withDeadlineAfter(call.deadlineMs(), TimeUnit.MILLISECONDS) : CallOptions.DEFAULT;
    Context.CancellableContext context = call.contextDeadlineMs() > 0
        ? Context.current().withDeadlineAfter(call.contextDeadlineMs(), TimeUnit.MILLISECONDS, TIMER)
        : Context.current().withCancellation();
    ScheduledFuture<?> canceller = call.contextCancelMs() > 0
        ? TIMER.schedule(() -> context.cancel(null), call.contextCancelMs(), TimeUnit.MILLISECONDS) : null;
    try {
      return context.call(() -> {
        try {
          if (call.streaming()) {
            Iterator<String> responses = ClientCalls.blockingServerStreamingCall(channel, EchoService.STREAM, options, "go");
            responses.forEachRemaining(ignored -> {});
          } else {
            ClientCalls.blockingUnaryCall(channel, EchoService.UNARY, options, "ping");
          }
          return Status.OK;
        } catch (StatusRuntimeException failed) {
          return failed.getStatus();
        }
      });
    } finally {
      if (canceller != null) {
        canceller.cancel(false);
      }
      context.cancel(null);
    }
  }
}
