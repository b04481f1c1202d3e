package dev.tailguard.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Timeout;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link GrpcPolicy}'s builder, copy and text, and how {@link TailguardClientInterceptor} picks a
 * call's policy and deadline from its options, on a channel that answers from a script.
 */
class GrpcPolicyAndOptionsTest {
  /** A channel whose calls close with the next scripted status (OK answers "pong"); records each call's options. */
  private static final class ScriptedChannel extends Channel {
    final Queue<Status> script = new ArrayDeque<>();
    final List<CallOptions> options = new CopyOnWriteArrayList<>();

    ScriptedChannel(Status... statuses) {
      script.addAll(List.of(statuses));
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions) {
      options.add(callOptions);
      return new ClientCall<>() {
        private Listener<RespT> listener;

        @Override
        public void start(Listener<RespT> responseListener, Metadata headers) {
          listener = responseListener;
        }

        @Override
        public void request(int numMessages) {}

        @Override
        public void cancel(String message, Throwable cause) {}

        @Override
        public void halfClose() {
          Status status = script.isEmpty() ? Status.OK : script.poll();
          if (status.isOk()) {
            listener.onHeaders(new Metadata());
            @SuppressWarnings("unchecked")
            RespT pong = (RespT) "pong";
            listener.onMessage(pong);
          }
          listener.onClose(status, new Metadata());
        }

        @Override
        public void sendMessage(ReqT message) {}
      };
    }

    @Override
    public String authority() {
      return "scripted";
    }
  }

  private static String call(ScriptedChannel channel, TailguardClientInterceptor interceptor, CallOptions options) {
    return ClientCalls.blockingUnaryCall(ClientInterceptors.intercept(channel, interceptor), EchoService.UNARY, options, "ping");
  }

  private static final RetryPolicy THREE = RetryPolicy.builder().maxAttempts(3).backoff(Backoff.none()).build();

  // ---- the policy ----

  @Test
  void theDefaultsAreOneAttemptUnavailableOnlyAndOneMebibyteOfReplay() {
    GrpcPolicy policy = GrpcPolicy.builder().build();
    assertThat(policy.retry()).isNull();
    assertThat(policy.hedge()).isNull();
    assertThat(policy.retryableCodes()).containsExactly(Status.Code.UNAVAILABLE);
    assertThat(policy.maxReplayBytes()).isEqualTo(1 << 20);
    assertThat(policy.callTimeout()).isEmpty();
    assertThat(policy.timeout()).isNull();
    assertThat(policy).hasToString("GrpcPolicy{null, codes=[UNAVAILABLE], maxReplayBytes=1048576}");
  }

  @Test
  void theBuilderRefusesOkAsRetryableANegativeReplayCapAndANonPositiveCallTimeout() {
    assertThatThrownBy(() -> GrpcPolicy.builder().retryableCodes(Set.of(Status.Code.OK, Status.Code.UNAVAILABLE)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("retryableCodes must not contain OK");
    assertThatThrownBy(() -> GrpcPolicy.builder().maxReplayBytes(-1)).hasMessage("maxReplayBytes must be >= 0: -1");
    assertThat(GrpcPolicy.builder().maxReplayBytes(0).build().maxReplayBytes()).isZero();
    assertThatThrownBy(() -> GrpcPolicy.builder().callTimeout(Duration.ZERO)).hasMessage("callTimeout must be positive: PT0S");
    assertThatThrownBy(() -> GrpcPolicy.builder().callTimeout(Duration.ofSeconds(-1))).hasMessage("callTimeout must be positive: PT-1S");
    assertThatThrownBy(() -> GrpcPolicy.builder().callTimeout(null)).hasMessage("callTimeout must be positive: null");
    assertThat(GrpcPolicy.builder().retryableCodes(Set.of()).build().retryableCodes()).isEmpty();
  }

  @Test
  void aCopyKeepsEverySetting() {
    CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("backend").build());
    Timeout timeout = Timeout.of(Duration.ofSeconds(2));
    GrpcPolicy policy = GrpcPolicy.builder().retry(THREE).retryableCodes(GrpcPolicy.SEED_CODES).maxReplayBytes(77)
        .circuitBreaker(breaker).timeout(timeout).callTimeout(Duration.ofSeconds(9)).build();
    GrpcPolicy copy = policy.toBuilder().build();
    assertThat(copy.retry()).isSameAs(THREE);
    assertThat(copy.retryableCodes()).isEqualTo(GrpcPolicy.SEED_CODES);
    assertThat(copy.maxReplayBytes()).isEqualTo(77);
    assertThat(copy.timeout()).isSameAs(timeout);
    assertThat(copy.callTimeout()).hasValue(Duration.ofSeconds(9));
    assertThat(copy.clock()).isSameAs(policy.clock()).isSameAs(dev.tailguard.time.Clock.system());
    assertThat(copy.scheduler()).isSameAs(policy.scheduler());
    assertThat(copy.toString()).isEqualTo(policy.toString()).endsWith(", maxReplayBytes=77, callTimeout=PT9S}")
        .startsWith("GrpcPolicy{" + THREE);

    HedgePolicy hedge = HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(5))).maxAttempts(2).build();
    GrpcPolicy hedged = GrpcPolicy.builder().hedge(hedge).build();
    assertThat(hedged.toBuilder().build().hedge()).isSameAs(hedge);
    assertThat(hedged.toString()).startsWith("GrpcPolicy{" + hedge + ", ");
  }

  @Test
  void aCopiedBreakerIsTheSameBreaker() {
    CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("backend").build());
    breaker.transitionToForcedOpen();
    GrpcPolicy copy = GrpcPolicy.builder().circuitBreaker(breaker).build().toBuilder().build();
    ScriptedChannel channel = new ScriptedChannel();
    assertThatThrownBy(() -> call(channel, TailguardClientInterceptor.of(copy), CallOptions.DEFAULT))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(channel.options).as("an open breaker sends nothing").isEmpty();
  }

  // ---- per-call options ----

  @Test
  void aPolicyInTheCallOptionsReplacesTheChannels() {
    ScriptedChannel channel = new ScriptedChannel(Status.UNAVAILABLE, Status.UNAVAILABLE);
    GrpcPolicy perCall = GrpcPolicy.builder().retry(THREE).build();
    assertThat(call(channel, TailguardClientInterceptor.of(GrpcPolicy.builder().build()),
        CallOptions.DEFAULT.withOption(TailguardClientInterceptor.POLICY, perCall))).isEqualTo("pong");
    assertThat(channel.options).hasSize(3);
  }

  @Test
  void maxAttemptsAloneGivesAnUnnamedMethodARetry() {
    GrpcServiceConfig config = GrpcServiceConfig.fromJson("{\"methodConfig\": [{\"name\": [{\"service\": \"other.Service\"}]}]}");
    ScriptedChannel unnamed = new ScriptedChannel(Status.UNAVAILABLE);
    assertThatThrownBy(() -> call(unnamed, config.interceptor(), CallOptions.DEFAULT)).isInstanceOf(StatusRuntimeException.class);
    assertThat(unnamed.options).as("no policy: sent as it is").hasSize(1);

    ScriptedChannel retried = new ScriptedChannel(Status.UNAVAILABLE, Status.UNAVAILABLE);
    assertThat(call(retried, config.interceptor(), CallOptions.DEFAULT.withOption(TailguardClientInterceptor.MAX_ATTEMPTS, 3)))
        .isEqualTo("pong");
    assertThat(retried.options).hasSize(3);
  }

  @Test
  void maxAttemptsReplacesTheRetrysCount() {
    ScriptedChannel channel = new ScriptedChannel(Status.UNAVAILABLE, Status.UNAVAILABLE, Status.UNAVAILABLE);
    TailguardClientInterceptor interceptor = TailguardClientInterceptor.of(GrpcPolicy.builder().retry(THREE).build());
    assertThatThrownBy(() -> call(channel, interceptor, CallOptions.DEFAULT.withOption(TailguardClientInterceptor.MAX_ATTEMPTS, 2)))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(channel.options).hasSize(2);
  }

  @Test
  void otherKindsOfCallPassThroughUntouched() {
    ScriptedChannel channel = new ScriptedChannel();
    MethodDescriptor<String, String> bidi = EchoService.UNARY.toBuilder().setType(MethodDescriptor.MethodType.BIDI_STREAMING).build();
    CallOptions options = CallOptions.DEFAULT.withOption(TailguardClientInterceptor.MAX_ATTEMPTS, 3);
    ClientCall<String, String> call = TailguardClientInterceptor.of(GrpcPolicy.builder().retry(THREE).build())
        .interceptCall(bidi, options, channel);
    assertThat(call).isNotInstanceOf(RetryingClientCall.class);
    assertThat(channel.options).containsExactly(options);
    MethodDescriptor<String, String> clientStreaming = EchoService.UNARY.toBuilder().setType(MethodDescriptor.MethodType.CLIENT_STREAMING).build();
    assertThat(TailguardClientInterceptor.of(GrpcPolicy.builder().build()).interceptCall(clientStreaming, options, channel))
        .isNotInstanceOf(RetryingClientCall.class);
    assertThat(TailguardClientInterceptor.of(GrpcPolicy.builder().build()).interceptCall(EchoService.STREAM, options, channel))
        .isInstanceOf(RetryingClientCall.class);
  }

  // ---- the call's deadline ----

  private static long remainingMillis(CallOptions options) {
    return options.getDeadline().timeRemaining(TimeUnit.MILLISECONDS);
  }

  @Test
  void theCallTimeoutAppliesWhenTheCallersDeadlineIsLaterOrAbsent() {
    TailguardClientInterceptor oneSecond = TailguardClientInterceptor.of(GrpcPolicy.builder().callTimeout(Duration.ofSeconds(1)).build());
    ScriptedChannel absent = new ScriptedChannel();
    call(absent, oneSecond, CallOptions.DEFAULT);
    assertThat(remainingMillis(absent.options.get(0))).isBetween(1L, 1_000L);

    ScriptedChannel later = new ScriptedChannel();
    call(later, oneSecond, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
    assertThat(remainingMillis(later.options.get(0))).isBetween(1L, 1_000L);

    ScriptedChannel earlier = new ScriptedChannel();
    Deadline callers = Deadline.after(300, TimeUnit.MILLISECONDS);
    call(earlier, TailguardClientInterceptor.of(GrpcPolicy.builder().callTimeout(Duration.ofSeconds(60)).build()),
        CallOptions.DEFAULT.withDeadline(callers));
    assertThat(earlier.options.get(0).getDeadline()).isSameAs(callers);
  }

  @Test
  void aCallTimeoutOfTenThousandYearsSaturatesInsteadOfOverflowing() {
    ScriptedChannel channel = new ScriptedChannel();
    call(channel, TailguardClientInterceptor.of(GrpcPolicy.builder().callTimeout(Duration.ofDays(365L * 10_000)).build()),
        CallOptions.DEFAULT);
    assertThat(channel.options.get(0).getDeadline().timeRemaining(TimeUnit.DAYS)).as("grpc-java caps deadlines near 100 years").isGreaterThan(365L * 99);
  }

  @Test
  void withoutACallTimeoutTheCallersOptionsAreKept() {
    ScriptedChannel channel = new ScriptedChannel();
    call(channel, TailguardClientInterceptor.of(GrpcPolicy.builder().build()), CallOptions.DEFAULT);
    assertThat(channel.options.get(0).getDeadline()).isNull();
  }
}
