package dev.tailguard.grpc;

import static dev.tailguard.grpc.EchoService.UNARY;
import static dev.tailguard.grpc.EchoService.fail;
import static dev.tailguard.grpc.EchoService.failWithPushback;
import static dev.tailguard.grpc.EchoService.hang;
import static dev.tailguard.grpc.EchoService.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryAdmission;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 16: a status Tailguard closes a call with has a description on one line that names no Java
 * class, on every path that can close a call: a budget refusal, an open circuit, exhausted
 * retries, a per-attempt timeout racing the call's deadline, an internal error below the
 * interceptor, a cancellation (by the caller or its Context), and user code (admission, listeners)
 * that throws. Real in-process gRPC servers; the text thrown at each path is written to leak.
 */
@Timeout(60)
class StatusDescriptionsTest {
  private static final Pattern JAVA_CLASS = Pattern.compile("\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*");
  /** What hostile user code and failing layers say: a class name, a second line, a stack frame. */
  private static final String LEAKY = "com.acme.Broken: it broke\n\tat com.acme.Broken.run(Broken.java:1)";

  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Server server : servers) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private ManagedChannel channelTo(EchoService service) throws Exception {
    String name = InProcessServerBuilder.generateName();
    servers.add(InProcessServerBuilder.forName(name).addService(service.definition()).build().start());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).disableRetry().build();
    channels.add(channel);
    return channel;
  }

  private Channel through(EchoService service, GrpcPolicy policy) throws Exception {
    return ClientInterceptors.intercept(channelTo(service), TailguardClientInterceptor.of(policy));
  }

  private static Status statusOf(Channel channel, CallOptions options) {
    try {
      ClientCalls.blockingUnaryCall(channel, UNARY, options, "ping");
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  private static void assertClean(Status status, Status.Code expected) {
    assertThat(status.getCode()).as("%s", status).isEqualTo(expected);
    if (status.getDescription() != null) {
      assertThat(status.getDescription()).as("description of %s", status).doesNotContain("\n", "\r").doesNotContainPattern(JAVA_CLASS);
    }
  }

  private static GrpcPolicy.Builder retrying(RetryPolicy.Builder retry) {
    return GrpcPolicy.builder().retryableCodes(GrpcPolicy.SEED_CODES).retry(retry.build());
  }

  /** A user's admission that refuses and describes itself badly. */
  private static final class RefusingAdmission implements RetryAdmission {
    @Override
    public boolean admit(int attempt) {
      return false;
    }

    @Override
    public boolean admitRequest() {
      return false;
    }

    @Override
    public String toString() {
      return LEAKY;
    }
  }

  @Test
  void aBudgetRefusalClosesUnavailableOnOneCleanLine() throws Exception {
    EchoService service = new EchoService(ok("pong"));
    Channel channel = through(service, retrying(RetryPolicy.builder().maxAttempts(3).admission(new RefusingAdmission())).build());
    Status status = statusOf(channel, CallOptions.DEFAULT);
    assertClean(status, Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).as("the reason").startsWith("budget refused attempt 1");
    assertThat(service.calls()).isZero();
  }

  @Test
  void anOpenCircuitClosesUnavailableOnOneCleanLine() throws Exception {
    CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("dev.tailguard.Backend\nsecond line").build());
    breaker.transitionToOpen();
    EchoService service = new EchoService(ok("pong"));
    Channel channel = through(service, GrpcPolicy.builder().circuitBreaker(breaker).build());
    Status status = statusOf(channel, CallOptions.DEFAULT);
    assertClean(status, Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).as("the reason").startsWith("circuit breaker");
    CircuitBreaker plain = CircuitBreaker.of(CircuitBreakerConfig.builder("payments").build());
    plain.transitionToOpen();
    Status named = statusOf(through(new EchoService(ok("pong")), GrpcPolicy.builder().circuitBreaker(plain).build()), CallOptions.DEFAULT);
    assertThat(named.getDescription()).as("the reason").contains("'payments' is OPEN");
    assertThat(service.calls()).isZero();
  }

  @Test
  void exhaustedRetriesCloseWithTheLastAttemptsCleanStatus() throws Exception {
    EchoService service = new EchoService(fail(Status.UNAVAILABLE));
    Channel channel = through(service, retrying(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.none())).build());
    assertClean(statusOf(channel, CallOptions.DEFAULT), Status.Code.UNAVAILABLE);
    assertThat(service.calls()).isEqualTo(3);
  }

  @Test
  void aStatusTheServerSentPassesThroughUnchanged_asInGrpcJava() throws Exception {
    Status sent = Status.INTERNAL.withDescription("com.acme.Ledger: refused");
    EchoService service = new EchoService(fail(sent));
    Channel channel = through(service, retrying(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.none())).build());
    Status status = statusOf(channel, CallOptions.DEFAULT);
    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getDescription()).isEqualTo("com.acme.Ledger: refused");
  }

  @Test
  void perAttemptTimeoutsRacingTheCallsDeadlineEndDeadlineExceededOnOneCleanLine() throws Exception {
    EchoService service = new EchoService(hang());
    Channel channel = through(service,
        retrying(RetryPolicy.builder().maxAttempts(5).backoff(Backoff.none()).perAttemptTimeout(Duration.ofMillis(40))).build());
    // Deadlines at, just after and between the per-attempt timeouts: whichever timer fires first.
    for (long deadlineMs : new long[] {40, 41, 60, 80, 81, 100, 0}) {
      CallOptions options = deadlineMs == 0 ? CallOptions.DEFAULT : CallOptions.DEFAULT.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS);
      assertClean(statusOf(channel, options), Status.Code.DEADLINE_EXCEEDED);
    }
  }

  @Test
  void aFailureBelowTheInterceptorClosesOnOneCleanLine() throws Exception {
    Channel broken = new Channel() {
      @Override
      public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
        throw new IllegalStateException(LEAKY);
      }

      @Override
      public String authority() {
        return "broken";
      }
    };
    Channel channel = ClientInterceptors.intercept(broken,
        TailguardClientInterceptor.of(retrying(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.none())).build()));
    Status status = statusOf(channel, CallOptions.DEFAULT);
    assertThat(status.getCode()).isIn(Status.Code.UNKNOWN, Status.Code.UNAVAILABLE);
    assertClean(status, status.getCode());
  }

  @Test
  void aCallerCancellingWithALeakyMessageClosesCancelledOnOneCleanLine() throws Exception {
    EchoService service = new EchoService(failWithPushback("5000"), ok("pong"));
    Channel channel = through(service, retrying(RetryPolicy.builder().maxAttempts(3)).build());
    for (boolean sent : new boolean[] {false, true}) {
      ClientCall<String, String> call = channel.newCall(UNARY, CallOptions.DEFAULT);
      CompletableFuture<Status> closed = new CompletableFuture<>();
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onClose(Status status, Metadata trailers) {
          closed.complete(status);
        }
      }, new Metadata());
      call.request(1);
      call.sendMessage("ping");
      if (sent) {
        call.halfClose();
        // Cancel during the 5 s pushback wait, after the first attempt.
        dev.tailguard.testing.Eventually.holds(() -> service.calls() >= 1, Duration.ofSeconds(10));
      }
      call.cancel(LEAKY, new IllegalStateException(LEAKY));
      assertClean(closed.get(10, TimeUnit.SECONDS), Status.Code.CANCELLED);
    }
  }

  @Test
  void cancellingACommittedStreamWithALeakyMessageClosesCancelledOnOneCleanLine() throws Exception {
    // The first message commits the stream; the server then holds it open.
    EchoService service = new EchoService((request, responses) -> responses.onNext("first"));
    Channel channel = through(service, retrying(RetryPolicy.builder().maxAttempts(3)).build());
    ClientCall<String, String> call = channel.newCall(EchoService.STREAM, CallOptions.DEFAULT);
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(String message) {
        first.complete(message);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(5);
    call.sendMessage("go");
    call.halfClose();
    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("first");
    call.cancel(LEAKY, new IllegalStateException(LEAKY));
    assertClean(closed.get(10, TimeUnit.SECONDS), Status.Code.CANCELLED);
  }

  @Test
  void aContextCancelledWithALeakyCauseClosesOnOneCleanLine() throws Exception {
    List<Throwable> causes = List.of(new IllegalStateException(LEAKY),
        Status.UNAVAILABLE.withDescription(LEAKY).asRuntimeException());
    for (Throwable cause : causes) {
      EchoService service = new EchoService(failWithPushback("5000"), ok("pong"));
      Channel channel = through(service, retrying(RetryPolicy.builder().maxAttempts(3)).build());
      Context.CancellableContext context = Context.current().withCancellation();
      CompletableFuture<Status> status = new CompletableFuture<>();
      Thread caller = new Thread(() -> context.run(() -> status.complete(statusOf(channel, CallOptions.DEFAULT))));
      caller.start();
      dev.tailguard.testing.Eventually.holds(() -> service.calls() >= 1, Duration.ofSeconds(10));
      context.cancel(cause);
      Status closed = status.get(10, TimeUnit.SECONDS);
      caller.join(5_000);
      assertClean(closed, cause instanceof StatusRuntimeException ? Status.Code.UNAVAILABLE : Status.Code.CANCELLED);
    }
  }

  @Test
  void userListenersAndAdmissionsThatThrowNeverReachTheDescription() throws Exception {
    RetryAdmission throwing = new RetryAdmission() {
      @Override
      public boolean admit(int attempt) {
        throw new IllegalStateException(LEAKY);
      }

      @Override
      public void record(Verdict verdict) {
        throw new IllegalStateException(LEAKY);
      }
    };
    EchoService retried = new EchoService(fail(Status.UNAVAILABLE));
    Channel retrying = through(retried, retrying(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.none()).admission(throwing)
        .onAttempt(e -> {
          throw new IllegalStateException(LEAKY);
        })
        .onRetry(e -> {
          throw new IllegalStateException(LEAKY);
        })
        .onFailure(e -> {
          throw new IllegalStateException(LEAKY);
        })
        .onGiveUp(e -> {
          throw new IllegalStateException(LEAKY);
        })).build());
    assertClean(statusOf(retrying, CallOptions.DEFAULT), Status.Code.UNAVAILABLE);

    EchoService hedged = new EchoService(hang(), fail(Status.INTERNAL));
    Channel hedging = through(hedged, GrpcPolicy.builder().hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(2)
        .onHedge(e -> {
          throw new IllegalStateException(LEAKY);
        })
        .onComplete(e -> {
          throw new IllegalStateException(LEAKY);
        })
        .onDiscard(e -> {
          throw new IllegalStateException(LEAKY);
        }).build()).build());
    assertClean(statusOf(hedging, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)), Status.Code.INTERNAL);
  }
}
