package dev.tailguard.grpc;

import static dev.tailguard.grpc.EchoService.UNARY;
import static dev.tailguard.grpc.EchoService.fail;
import static dev.tailguard.grpc.EchoService.failWithPushback;
import static dev.tailguard.grpc.EchoService.hang;
import static dev.tailguard.grpc.EchoService.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.Backoff;
import dev.tailguard.GiveUpReason;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ForwardingClientCall;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 16: the gRPC adapter against gRFC A6 on a real in-process server. Wall-clock rows are
 * bounded and their margins are seconds wide; the rest runs on a {@link FakeClock}.
 */
@Timeout(30)
class A6ConformanceTest {
  private static final Pattern JAVA_CLASS = Pattern.compile("\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*");
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final FakeClock clock = new FakeClock();

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Server server : servers) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    timer.shutdownNow();
    clock.assertNoPendingTasks();
  }

  private ManagedChannel channelTo(EchoService service) throws Exception {
    String name = InProcessServerBuilder.generateName();
    servers.add(InProcessServerBuilder.forName(name).addService(service.definition()).build().start());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).disableRetry().build();
    channels.add(channel);
    return channel;
  }

  private Channel inProcess(EchoService service, GrpcPolicy policy) throws Exception {
    return ClientInterceptors.intercept(channelTo(service), TailguardClientInterceptor.of(policy));
  }

  private static GrpcPolicy retrying(int attempts, Duration backoff) {
    return GrpcPolicy.builder().retryableCodes(GrpcPolicy.SEED_CODES)
        .retry(RetryPolicy.builder().maxAttempts(attempts).backoff(Backoff.fixed(backoff)).build()).build();
  }

  private static Status statusOf(Runnable call) {
    try {
      call.run();
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  private static void assertClean(Status status) {
    assertThat(status.getDescription()).as("description of %s", status)
        .doesNotContain("\n", "\r").doesNotContainPattern(JAVA_CLASS);
  }

  // ---- item 1: the call's deadline spans the attempts ----

  @Test
  void theCallsDeadlineEndsTheCallDuringABackoff() throws Exception {
    EchoService service = new EchoService(failWithPushback("5000"), ok("pong"));
    Channel channel = inProcess(service, retrying(3, Duration.ofMillis(10)));
    long start = System.nanoTime();
    Status status = statusOf(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), "ping"));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(elapsedMs).as("ended at the deadline, not after the 5 s pushback").isLessThan(3000);
    assertThat(service.calls()).isEqualTo(1);
    assertClean(status);
  }

  @Test
  void aPassedDeadlineIsNotRetriedEvenWhenDeadlineExceededIsRetryable() throws Exception {
    EchoService service = new EchoService(hang());
    AtomicInteger attemptsCreated = new AtomicInteger();
    Channel channel = ClientInterceptors.intercept(counting(channelTo(service), attemptsCreated),
        TailguardClientInterceptor.of(retrying(5, Duration.ofMillis(1))));
    Status status = statusOf(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS), "ping"));
    assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    // On a loaded machine the one attempt may be cancelled before the server's executor sees it.
    assertThat(service.calls()).isLessThanOrEqualTo(1);
    // gRPC fails an attempt started after the deadline locally, so only the client sees it.
    assertThat(attemptsCreated).as("no attempt started after the deadline, not even one gRPC fails locally").hasValue(1);
  }

  /** {@code delegate}, counting the attempts created through it, on the thread that creates them. */
  private static Channel counting(Channel delegate, AtomicInteger created) {
    return new Channel() {
      @Override
      public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
        created.incrementAndGet();
        return delegate.newCall(method, options);
      }

      @Override
      public String authority() {
        return delegate.authority();
      }
    };
  }

  @Test
  void methodConfigTimeoutIsTheCallsDeadline() throws Exception {
    EchoService service = new EchoService(hang());
    GrpcServiceConfig config = GrpcServiceConfig.fromJson("""
        {"methodConfig": [{"name": [{"service": "test.Echo"}], "timeout": "0.3s"}]}""");
    Channel channel = ClientInterceptors.intercept(channelTo(service), config.interceptor());
    long start = System.nanoTime();
    Status status = statusOf(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "ping"));
    assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
    assertThat(service.deadlines).as("the server sees it as grpc-timeout").doesNotContainNull();
  }

  @Test
  void eachAttemptsDeadlineIsTheShortestOfPerAttemptTimeoutPolicyTimeoutAndTheCallsDeadline() throws Exception {
    RetryPolicy.Builder slowAttempts = RetryPolicy.builder().maxAttempts(2).backoff(Backoff.none()).perAttemptTimeout(Duration.ofSeconds(60));
    GrpcPolicy byRetry = GrpcPolicy.builder().retry(slowAttempts.perAttemptTimeout(Duration.ofSeconds(20)).build()).build();
    GrpcPolicy byPolicyTimeout = GrpcPolicy.builder().retry(slowAttempts.perAttemptTimeout(Duration.ofSeconds(60)).build())
        .timeout(dev.tailguard.Timeout.of(Duration.ofSeconds(20))).build();
    for (GrpcPolicy policy : List.of(byRetry, byPolicyTimeout)) {
      EchoService service = new EchoService(ok("pong"));
      Channel channel = inProcess(service, policy);
      assertThat(ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT.withDeadlineAfter(40, TimeUnit.SECONDS), "ping")).isEqualTo("pong");
      assertThat(service.deadlines.get(0).timeRemaining(TimeUnit.SECONDS)).as("%s, call deadline 40 s", policy).isBetween(10L, 20L);
      EchoService shortCall = new EchoService(ok("pong"));
      Channel shortChannel = inProcess(shortCall, policy);
      assertThat(ClientCalls.blockingUnaryCall(shortChannel, UNARY, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "ping")).isEqualTo("pong");
      assertThat(shortCall.deadlines.get(0).timeRemaining(TimeUnit.SECONDS)).as("%s, call deadline 5 s", policy).isBetween(0L, 5L);
    }
  }

  // ---- item 2: the caller's Context reaches every attempt ----

  @Test
  void aContextCancelledDuringABackoffEndsTheCallCancelled() throws Exception {
    EchoService service = new EchoService(failWithPushback("5000"), ok("pong"));
    Channel channel = inProcess(service, retrying(3, Duration.ofMillis(10)));
    Context.CancellableContext context = Context.current().withCancellation();
    timer.schedule(() -> context.cancel(null), 200, TimeUnit.MILLISECONDS);
    long start = System.nanoTime();
    Status status = context.call(() -> statusOf(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "ping")));
    assertThat(status.getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3000);
    assertThat(service.calls()).isEqualTo(1);
    assertClean(status);
  }

  @Test
  void theContextsDeadlineReachesEveryRetryAsGrpcTimeout() throws Exception {
    EchoService service = new EchoService(failWithPushback("20"), failWithPushback("20"), ok("pong"));
    Channel channel = inProcess(service, retrying(3, Duration.ofMillis(10)));
    Context.CancellableContext context = Context.current().withDeadlineAfter(10, TimeUnit.SECONDS, timer);
    try {
      assertThat(context.call(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "ping"))).isEqualTo("pong");
    } finally {
      context.cancel(null);
    }
    assertThat(service.deadlines).as("every attempt had the Context's deadline").hasSize(3).doesNotContainNull();
  }

  @Test
  void hedgesRunInTheCallersContext() throws Exception {
    EchoService service = new EchoService(hang(), ok("pong"));
    GrpcPolicy policy = GrpcPolicy.builder().hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(20))).maxAttempts(2).build()).build();
    Channel channel = inProcess(service, policy);
    Context.CancellableContext context = Context.current().withDeadlineAfter(10, TimeUnit.SECONDS, timer);
    try {
      assertThat(context.call(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "ping"))).isEqualTo("pong");
    } finally {
      context.cancel(null);
    }
    assertThat(service.deadlines).as("the hedge had the Context's deadline too").hasSize(2).doesNotContainNull();
  }

  // ---- item 3: exhausted retries close with the last attempt's status ----

  @Test
  void exhaustedRetriesWhoseLastAttemptTimedOutCloseDeadlineExceededOnOneLine() {
    RetriesExhaustedException exhausted = new RetriesExhaustedException(GiveUpReason.MAX_ATTEMPTS, List.of(),
        new AttemptTimeoutException(3, TimeUnit.MILLISECONDS.toNanos(100)), null);
    Status status = CallStatuses.fromFailure(exhausted);
    assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertClean(status);
  }

  @Test
  void timedOutAttemptsEndDeadlineExceededWhicheverTimerWins() throws Exception {
    EchoService service = new EchoService(hang());
    GrpcPolicy policy = GrpcPolicy.builder().retryableCodes(GrpcPolicy.SEED_CODES)
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.none()).perAttemptTimeout(Duration.ofMillis(50)).build()).build();
    Channel channel = inProcess(service, policy);
    for (int i = 0; i < 5; i++) {
      Status status = statusOf(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "ping"));
      assertThat(status.getCode()).as("call %s: %s", i, status).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertClean(status);
    }
  }

  @Test
  void tailguardsOwnStatusesAreOneLineWithoutClassNames() {
    assertThat(CallStatuses.oneLine("gave up after 3 attempts (MAX_ATTEMPTS)\n  #1 dev.tailguard.AttemptTimeoutException: x"))
        .isEqualTo("gave up after 3 attempts (MAX_ATTEMPTS)");
    assertThat(CallStatuses.oneLine("java.lang.IllegalStateException: channel shut down")).isEqualTo("channel shut down");
    assertClean(CallStatuses.fromFailure(new IllegalStateException("a\nb")));
  }

  // ---- item 6: pushback on a hedged call ----

  @Test
  void aPushbackOnAHedgedCallDelaysTheNextHedgeByExactlyThatMuch() throws Exception {
    EchoService service = new EchoService(failWithPushback("250"), ok("pong"));
    GrpcPolicy policy = GrpcPolicy.builder().clock(clock).scheduler(clock)
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofSeconds(9))).maxAttempts(2).build()).build();
    Channel channel = inProcess(service, policy);
    CompletableFuture<String> result = CompletableFuture.supplyAsync(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "ping"));
    assertThat(Eventually.holds(() -> clock.nextTaskDelay().equals(java.util.Optional.of(Duration.ofMillis(250))), Duration.ofSeconds(10)))
        .as("the next hedge waits for the pushback, not the 9 s hedging delay nor nothing").isTrue();
    assertThat(service.calls()).isEqualTo(1);
    clock.advance(Duration.ofMillis(250));
    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("pong");
    assertThat(service.calls()).isEqualTo(2);
  }

  @Test
  void aNegativeOrMalformedPushbackOnAHedgedCallStopsFurtherHedges() throws Exception {
    for (String pushback : new String[] {"-1", "soon", "2147483648"}) {
      EchoService service = new EchoService(failWithPushback(pushback), ok("pong"));
      GrpcPolicy policy = GrpcPolicy.builder().hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofSeconds(9))).maxAttempts(3).build()).build();
      Channel channel = inProcess(service, policy);
      Status status = statusOf(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "ping"));
      assertThat(status.getCode()).as("pushback %s", pushback).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(service.calls()).as("pushback %s", pushback).isEqualTo(1);
    }
  }

  // ---- item 7: pushback parsing ----

  @Test
  void pushbackIsANonNegativeInt32InPlainDecimalOrItMeansStop() {
    for (String stop : new String[] {"+5", " 5 ", "007", "2147483648", "-1", "", "5ms", "1e3"}) {
      assertThat(pushbackOf(stop)).as("'%s'", stop).isNegative();
    }
    assertThat(pushbackOf("0")).isEqualTo(Duration.ZERO);
    assertThat(pushbackOf("5")).isEqualTo(Duration.ofMillis(5));
    assertThat(pushbackOf("2147483647")).isEqualTo(Duration.ofMillis(Integer.MAX_VALUE));
  }

  private static Duration pushbackOf(String value) {
    Metadata trailers = new Metadata();
    trailers.put(EchoService.PUSHBACK, value);
    return AttemptOutcome.<String>closed(null, null, null, Status.UNAVAILABLE, trailers).pushback();
  }

  // ---- item 8: cancel before halfClose, one cancel per attempt ----

  @Test
  void halfCloseAfterCancelSendsNothing() throws Exception {
    EchoService service = new EchoService(ok("pong"));
    AtomicInteger attemptsCreated = new AtomicInteger();
    // Counts attempts where they are created, on the caller's thread: the server would see one later.
    Channel counting = counting(channelTo(service), attemptsCreated);
    Channel channel = ClientInterceptors.intercept(counting, TailguardClientInterceptor.of(retrying(3, Duration.ofMillis(1))));
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
    call.cancel("caller gave up", null);
    call.halfClose();
    assertThat(closed.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(attemptsCreated).as("no attempt was created").hasValue(0);
    Eventually.holds(() -> service.calls() > 0, Duration.ofMillis(300));
    assertThat(service.calls()).as("nothing reached the server").isZero();
  }

  @Test
  void eachCancelledAttemptIsCancelledOnce() throws Exception {
    EchoService service = new EchoService(hang(), ok("pong"));
    Map<Integer, AtomicInteger> cancels = new ConcurrentHashMap<>();
    AtomicInteger attempts = new AtomicInteger();
    Channel delegate = channelTo(service);
    Channel counting = new Channel() {
      @Override
      public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
        int n = attempts.getAndIncrement();
        cancels.put(n, new AtomicInteger());
        return new ForwardingClientCall.SimpleForwardingClientCall<>(delegate.newCall(method, options)) {
          @Override
          public void cancel(String message, Throwable cause) {
            cancels.get(n).incrementAndGet();
            super.cancel(message, cause);
          }
        };
      }

      @Override
      public String authority() {
        return delegate.authority();
      }
    };
    GrpcPolicy policy = GrpcPolicy.builder().hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(20))).maxAttempts(2).build()).build();
    Channel channel = ClientInterceptors.intercept(counting, TailguardClientInterceptor.of(policy));
    assertThat(ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "ping")).isEqualTo("pong");
    Eventually.holds(() -> service.cancelledCalls.contains(0), Duration.ofSeconds(10));
    assertThat(cancels.get(0)).as("the losing hedge").hasValue(1);
    assertThat(cancels.get(1)).as("the winner").hasValue(0);
  }

  @Test
  void aHedgedCallWithoutNonFatalCodesStopsAtItsFirstFailure() throws Exception {
    EchoService service = new EchoService(fail(Status.UNAVAILABLE), ok("pong"));
    GrpcServiceConfig config = GrpcServiceConfig.fromJson("""
        {"methodConfig": [{"name": [{"service": "test.Echo"}], "hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "5s"}}]}""");
    Channel channel = ClientInterceptors.intercept(channelTo(service), config.interceptor());
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "ping"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(service.calls()).isEqualTo(1);
  }
}
