package dev.tailguard.grpc;

import static dev.tailguard.grpc.EchoService.STREAM;
import static dev.tailguard.grpc.EchoService.UNARY;
import static dev.tailguard.grpc.EchoService.fail;
import static dev.tailguard.grpc.EchoService.failWithPushback;
import static dev.tailguard.grpc.EchoService.hang;
import static dev.tailguard.grpc.EchoService.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TailguardClientInterceptor} against in-process and Netty gRPC servers. */
@Timeout(30)
class TailguardClientInterceptorTest {
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final FakeClock clock = new FakeClock();

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Server server : servers) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    clock.assertNoPendingTasks();
  }

  private Channel inProcess(EchoService service, GrpcPolicy policy) throws Exception {
    String name = InProcessServerBuilder.generateName();
    servers.add(InProcessServerBuilder.forName(name).addService(service.definition()).build().start());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).disableRetry().build();
    channels.add(channel);
    return ClientInterceptors.intercept(channel, TailguardClientInterceptor.of(policy));
  }

  private static GrpcPolicy.Builder retrying(int attempts) {
    return GrpcPolicy.builder().retry(RetryPolicy.builder().maxAttempts(attempts).backoff(Backoff.none()).build());
  }

  private static String call(Channel channel, String request) {
    return ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, request);
  }

  @Test
  void unavailableTwiceThenOk_andTheServerSeesPreviousAttemptCounts() throws Exception {
    EchoService service = new EchoService(fail(Status.UNAVAILABLE), fail(Status.UNAVAILABLE), ok("pong"));
    assertThat(call(inProcess(service, retrying(3).build()), "ping")).isEqualTo("pong");
    assertThat(service.previousAttempts).containsExactly("null", "1", "2");
    assertThat(service.requests).containsOnly("ping");
  }

  @Test
  void codesOutsideTheRetryableSetAreNotRetried() throws Exception {
    EchoService service = new EchoService(fail(Status.UNKNOWN), ok("pong"));
    assertThatThrownBy(() -> call(inProcess(service, retrying(3).build()), "ping"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN));
    assertThat(service.calls()).isEqualTo(1);

    EchoService seed = new EchoService(fail(Status.UNKNOWN), fail(Status.DEADLINE_EXCEEDED), ok("pong"));
    assertThat(call(inProcess(seed, retrying(3).retryableCodes(GrpcPolicy.SEED_CODES).build()), "ping")).isEqualTo("pong");
  }

  @Test
  void pushbackIsTheExactNextDelay() throws Exception {
    EchoService service = new EchoService(failWithPushback("250"), ok("pong"));
    GrpcPolicy policy = GrpcPolicy.builder().clock(clock).scheduler(clock)
        .retry(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ofSeconds(9))).build()).build();
    CompletableFuture<String> result = CompletableFuture.supplyAsync(() -> {
      try {
        return call(inProcess(service, policy), "ping");
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    awaitPendingTimer();
    assertThat(clock.nextTaskDelay()).hasValue(Duration.ofMillis(250));
    clock.advance(Duration.ofMillis(250));
    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("pong");
  }

  @Test
  void negativeOrMalformedPushbackStopsRetrying() throws Exception {
    for (String pushback : new String[] {"-1", "soon"}) {
      EchoService service = new EchoService(failWithPushback(pushback), ok("pong"));
      Channel channel = inProcess(service, retrying(3).build());
      assertThatThrownBy(() -> call(channel, "ping")).isInstanceOf(StatusRuntimeException.class);
      assertThat(service.calls()).as("pushback %s", pushback).isEqualTo(1);
    }
  }

  @Test
  void perAttemptTimeoutBecomesTheAttemptsDeadline() throws Exception {
    EchoService service = new EchoService(hang(), ok("pong"));
    GrpcPolicy policy = GrpcPolicy.builder().retryableCodes(GrpcPolicy.SEED_CODES)
        .retry(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.none()).perAttemptTimeout(Duration.ofMillis(200)).build()).build();

    assertThat(call(inProcess(service, policy), "ping")).isEqualTo("pong");
    awaitServerCancelled(service, 0);
  }

  /** The call runs on another thread; wait, bounded, until it has set its timer on the fake clock. */
  private void awaitPendingTimer() {
    assertThat(Eventually.holds(() -> clock.pendingTasks() > 0, Duration.ofSeconds(10))).as("a timer was set").isTrue();
  }

  /** The server learns of a cancellation asynchronously; wait for it, bounded. */
  private static void awaitServerCancelled(EchoService service, int call) {
    Eventually.holds(() -> service.cancelledCalls.contains(call), Duration.ofSeconds(10));
    assertThat(service.cancelledCalls).as("call %s cancelled on the server", call).contains(call);
  }

  @Test
  void aStreamingCallIsRetriedBeforeItsFirstMessageAndCommitsAfter() throws Exception {
    EchoService beforeFirst = new EchoService(fail(Status.UNAVAILABLE), ok("a", "b", "c"));
    Iterator<String> all = ClientCalls.blockingServerStreamingCall(inProcess(beforeFirst, retrying(3).build()), STREAM, CallOptions.DEFAULT, "go");
    List<String> received = new ArrayList<>();
    all.forEachRemaining(received::add);
    assertThat(received).containsExactly("a", "b", "c");
    assertThat(beforeFirst.calls()).isEqualTo(2);

    EchoService afterFirst = new EchoService(EchoService.sendThenFail("a", Status.UNAVAILABLE), ok("x", "y"));
    Iterator<String> committed = ClientCalls.blockingServerStreamingCall(inProcess(afterFirst, retrying(3).build()), STREAM, CallOptions.DEFAULT, "go");
    assertThat(committed.next()).isEqualTo("a");
    assertThatThrownBy(committed::hasNext).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(afterFirst.calls()).as("committed after the first message").isEqualTo(1);
  }

  @Test
  void aHedgeThatLosesIsCancelledOnTheServer() throws Exception {
    EchoService service = new EchoService(hang(), ok("fast"));
    GrpcPolicy policy = GrpcPolicy.builder().hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(50))).build()).build();

    assertThat(call(inProcess(service, policy), "ping")).isEqualTo("fast");
    awaitServerCancelled(service, 0);
    assertThat(service.previousAttempts).containsExactlyInAnyOrder("null", "1");
  }

  @Test
  void theBudgetStopsRetriesWhenTheServerKeepsFailing() throws Exception {
    EchoService service = new EchoService(fail(Status.UNAVAILABLE));
    GrpcPolicy policy = GrpcPolicy.builder().retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.none())
        .admission(RetryBudget.tokenBucket().maxTokens(10).tokenRatio(0.1).build()).build()).build();
    Channel channel = inProcess(service, policy);
    for (int i = 0; i < 20; i++) {
      assertThatThrownBy(() -> call(channel, "ping")).isInstanceOf(StatusRuntimeException.class);
    }
    // Ten tokens, retries only above five: a handful of retries, then first attempts only.
    assertThat(service.calls()).isBetween(21, 26);
  }

  @Test
  void aRequestOverTheReplayCapCommitsToItsFirstAttempt() throws Exception {
    EchoService service = new EchoService(fail(Status.UNAVAILABLE), ok("pong"));
    Channel channel = inProcess(service, retrying(3).maxReplayBytes(10).build());
    assertThatThrownBy(() -> call(channel, "x".repeat(100))).isInstanceOf(StatusRuntimeException.class);
    assertThat(service.calls()).isEqualTo(1);
  }

  /** A channel whose every call fails to start, as a shut-down channel's do. */
  private static Channel brokenChannel() {
    return new Channel() {
      @Override
      public <Q, R> io.grpc.ClientCall<Q, R> newCall(io.grpc.MethodDescriptor<Q, R> method, CallOptions options) {
        throw new IllegalStateException("channel shut down");
      }

      @Override
      public String authority() {
        return "broken";
      }
    };
  }

  @Test
  void aCallThatFailsOnTheRetryTimersThreadStillWakesABlockingCaller() {
    // The last attempt fails on the scheduler's thread, after the blocking stub has parked.
    Channel broken = brokenChannel();
    GrpcPolicy policy = GrpcPolicy.builder().retryableCodes(GrpcPolicy.SEED_CODES)
        .retry(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ofMillis(100))).build()).build();
    Channel channel = ClientInterceptors.intercept(broken, TailguardClientInterceptor.of(policy));
    assertThatThrownBy(() -> call(channel, "ping")).isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void aChannelThatThrowsClosesTheCallInsteadOfHangingIt() {
    Channel broken = brokenChannel();
    Channel channel = ClientInterceptors.intercept(broken, TailguardClientInterceptor.of(retrying(2).build()));
    assertThatThrownBy(() -> call(channel, "ping")).isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void maxAttemptsCanBeSetPerCall() throws Exception {
    EchoService service = new EchoService(fail(Status.UNAVAILABLE), fail(Status.UNAVAILABLE), ok("pong"));
    Channel channel = inProcess(service, retrying(1).build());
    String answer = ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT.withOption(TailguardClientInterceptor.MAX_ATTEMPTS, 3), "ping");
    assertThat(answer).isEqualTo("pong");
    assertThat(service.calls()).isEqualTo(3);
  }

  /** Regression: a per-call MAX_ATTEMPTS once turned a hedged method into a retried one, which waits out a hung attempt. */
  @Test
  void maxAttemptsPerCallKeepsAHedgedMethodHedged() throws Exception {
    EchoService service = new EchoService(hang(), hang(), ok("third"));
    GrpcPolicy policy = GrpcPolicy.builder().hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(20))).maxAttempts(2).build()).build();
    String answer = ClientCalls.blockingUnaryCall(inProcess(service, policy), UNARY,
        CallOptions.DEFAULT.withOption(TailguardClientInterceptor.MAX_ATTEMPTS, 3), "ping");
    assertThat(answer).isEqualTo("third");
    // Arrival order on the server is the scheduler's business; what matters is three attempts.
    assertThat(service.previousAttempts).containsExactlyInAnyOrder("null", "1", "2");
    awaitServerCancelled(service, 0);
    awaitServerCancelled(service, 1);
  }

  /** The timeout runs on the fake clock; it is long so that its real-time twin, the deadline sent to the server, never fires first. */
  @Test
  void aTimeoutCancelsAHungAttemptAndTheRetryAnswers() throws Exception {
    EchoService service = new EchoService(hang(), ok("pong"));
    GrpcPolicy policy = retrying(2).retryableCodes(GrpcPolicy.SEED_CODES)
        .timeout(dev.tailguard.Timeout.of(Duration.ofSeconds(60))).clock(clock).scheduler(clock).build();
    Channel channel = inProcess(service, policy);
    CompletableFuture<String> result = CompletableFuture.supplyAsync(() -> call(channel, "ping"));
    awaitPendingTimer();
    // Time out the first attempt only once the server has it, or the retry would be its first call.
    assertThat(Eventually.holds(() -> service.calls() > 0, Duration.ofSeconds(10))).as("the server has the call").isTrue();
    assertThat(clock.nextTaskDelay()).hasValue(Duration.ofSeconds(60));
    clock.advance(Duration.ofSeconds(60));
    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("pong");
    awaitServerCancelled(service, 0);
    assertThat(service.previousAttempts).containsExactly("null", "1");
    assertThat(service.deadlines).as("the timeout reaches the server as each attempt's deadline")
        .hasSize(2).doesNotContainNull();
  }

  @Test
  void retryAndHedgeAreOneOrTheOther() {
    HedgePolicy hedge = HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(5))).build();
    assertThatThrownBy(() -> retrying(2).hedge(hedge))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("an adapter retries or hedges");
    assertThatThrownBy(() -> GrpcPolicy.builder().hedge(hedge).retry(RetryPolicy.builder().build()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("an adapter retries or hedges");
  }

  @Test
  void overNettyWithBuiltInRetryDisabled_attemptsPerCallMatchTheConfiguration() throws Exception {
    EchoService service = new EchoService(fail(Status.UNAVAILABLE));
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service.definition()).build().start();
    servers.add(server);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().disableRetry().build();
    channels.add(channel);
    Channel intercepted = ClientInterceptors.intercept(channel, TailguardClientInterceptor.of(retrying(3).build()));

    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> call(intercepted, "ping")).isInstanceOf(StatusRuntimeException.class);
    }
    assertThat(service.calls()).isEqualTo(15);
  }
}
