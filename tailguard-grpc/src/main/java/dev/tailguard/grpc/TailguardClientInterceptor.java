package dev.tailguard.grpc;

import dev.tailguard.RetryPolicy;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Retries and hedges gRPC calls with Tailguard's engine, on the wire as gRFC A6 specifies: later
 * attempts carry {@code grpc-previous-rpc-attempts}, a {@code grpc-retry-pushback-ms} trailer
 * holding a non-negative int32 in plain decimal is the exact delay before the next retry
 * (restarting the backoff) or hedge and any other value stops further attempts, and losing hedges
 * are cancelled so their servers see the Context cancelled.
 *
 * <pre>{@code
 * Channel channel = ClientInterceptors.intercept(managedChannel, TailguardClientInterceptor.of(
 *     GrpcPolicy.builder().retry(RetryPolicy.builder().maxAttempts(3).perAttemptTimeout(Duration.ofSeconds(1)).build())
 *         .retryableCodes(GrpcPolicy.SEED_CODES).build()));
 * stub.withOption(TailguardClientInterceptor.MAX_ATTEMPTS, 5).call(request);   // per call
 * }</pre>
 *
 * <ul>
 *   <li>Unary and server-streaming calls; other kinds pass through untouched. A streaming call is
 *       retried or hedged only until its first response message reaches the caller; then it
 *       commits.
 *   <li>The request message is kept for replay up to {@link GrpcPolicy#maxReplayBytes()}; a
 *       larger call commits to its first attempt.
 *   <li>The call's deadline (the earlier of the CallOptions', the caller's Context's and the
 *       policy's {@link GrpcPolicy#callTimeout()}) bounds all attempts and the waits between them;
 *       every attempt runs in the caller's Context, so its cancellation ends the call and its
 *       deadline reaches each attempt's server.
 *   <li>Per-attempt deadline = min(the policy's per-attempt timeout, the call's remaining deadline).
 *   <li>Calls that end because Tailguard gave up (a budget refusal, an open circuit) close with
 *       UNAVAILABLE and the reason in the description; exhausted retries close with the last
 *       attempt's status.
 * </ul>
 *
 * <p>Switch off grpc-java's own retries ({@code ManagedChannelBuilder.disableRetry()}) when using
 * this interceptor, or the two layers multiply. Thread-safe.
 *
 * @since 0.1
 */
public final class TailguardClientInterceptor implements ClientInterceptor {
  /** Replaces the channel's policy for one call: {@code stub.withOption(POLICY, policy)}. */
  public static final CallOptions.Key<GrpcPolicy> POLICY = CallOptions.Key.create("tailguard.policy");
  /**
   * Overrides the policy's max attempts for one call, as the design notes' {@code WithMax(3)}: the
   * retry's, or the hedge's for a hedged method. A method without a policy gets a retry.
   */
  public static final CallOptions.Key<Integer> MAX_ATTEMPTS = CallOptions.Key.create("tailguard.maxAttempts");

  private final Function<String, GrpcPolicy> policies;

  private TailguardClientInterceptor(Function<String, GrpcPolicy> policies) {
    this.policies = policies;
  }

  /** An interceptor applying {@code policy} to every call on the channel. */
  public static TailguardClientInterceptor of(GrpcPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    return new TailguardClientInterceptor(method -> policy);
  }

  /** An interceptor applying each method's policy from a service config; unmatched methods pass through. */
  public static TailguardClientInterceptor of(GrpcServiceConfig config) {
    Objects.requireNonNull(config, "config");
    return new TailguardClientInterceptor(config::policyFor);
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    MethodDescriptor.MethodType type = method.getType();
    if (type != MethodDescriptor.MethodType.UNARY && type != MethodDescriptor.MethodType.SERVER_STREAMING) {
      return next.newCall(method, callOptions);
    }
    GrpcPolicy policy = policyFor(method.getFullMethodName(), callOptions);
    // No policy for this method (a service config that does not name it): send it as it is.
    if (policy == null) {
      return next.newCall(method, callOptions);
    }
    return new RetryingClientCall<>(method, withCallTimeout(callOptions, policy), next, policy);
  }

  /** As grpc-java applies {@code methodConfig.timeout}: the earlier of it and the caller's deadline. */
  private static CallOptions withCallTimeout(CallOptions callOptions, GrpcPolicy policy) {
    if (policy.callTimeout().isEmpty()) {
      return callOptions;
    }
    Duration timeout = policy.callTimeout().get();
    // Deadline.after saturates; a service config may say ten thousand years, which no long holds in nanoseconds.
    long nanos = timeout.compareTo(Duration.ofDays(365L * 200)) > 0 ? Long.MAX_VALUE : timeout.toNanos();
    Deadline fromPolicy = Deadline.after(nanos, TimeUnit.NANOSECONDS);
    Deadline current = callOptions.getDeadline();
    return current != null && current.isBefore(fromPolicy) ? callOptions : callOptions.withDeadline(fromPolicy);
  }

  private GrpcPolicy policyFor(String fullMethodName, CallOptions callOptions) {
    GrpcPolicy chosen = callOptions.getOption(POLICY) != null ? callOptions.getOption(POLICY) : policies.apply(fullMethodName);
    Integer maxAttempts = callOptions.getOption(MAX_ATTEMPTS);
    if (chosen == null) {
      chosen = maxAttempts == null ? null : GrpcPolicy.builder().build();
    }
    if (maxAttempts == null || chosen == null) {
      return chosen;
    }
    // A hedged method stays hedged, with the caller's number of attempts.
    if (chosen.hedge() != null) {
      return chosen.toBuilder().hedge(chosen.hedge().toBuilder().maxAttempts(maxAttempts).build()).build();
    }
    RetryPolicy base = chosen.retry() != null ? chosen.retry() : RetryPolicy.builder().build();
    return chosen.toBuilder().retry(base.toBuilder().maxAttempts(maxAttempts).build()).build();
  }
}
