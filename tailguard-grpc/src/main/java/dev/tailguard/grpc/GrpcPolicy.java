package dev.tailguard.grpc;

import dev.tailguard.AdapterBuilder;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.HedgePolicy;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Timeout;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import io.grpc.Status;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * How {@link TailguardClientInterceptor} treats calls: retry or hedge (from core), which status
 * codes are worth another attempt, and how large a request may be to be kept for replay.
 *
 * <p>Defaults: one attempt, no breaker, no timeout, no call timeout, retryable code UNAVAILABLE only (gRFC A6's
 * safe default), 1 MiB of request kept for replay. {@link #SEED_CODES} is the design notes' set
 * (UNKNOWN, DEADLINE_EXCEEDED, UNAVAILABLE): retry those only for methods that are safe to run
 * twice. Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class GrpcPolicy {
  /** The design notes' retryable codes: UNKNOWN, DEADLINE_EXCEEDED and UNAVAILABLE. */
  public static final Set<Status.Code> SEED_CODES =
      Set.copyOf(EnumSet.of(Status.Code.UNKNOWN, Status.Code.DEADLINE_EXCEEDED, Status.Code.UNAVAILABLE));

  private final RetryPolicy retry;
  private final HedgePolicy hedge;
  private final Set<Status.Code> retryableCodes;
  private final long maxReplayBytes;
  private final CircuitBreaker breaker;
  private final ConcurrencyLimit concurrencyLimit;
  private final Timeout timeout;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Pipeline pipeline;
  private final Duration callTimeout;
  private final Pipeline single;

  private GrpcPolicy(Builder b) {
    this.retry = b.retryPolicy();
    this.hedge = b.hedgePolicy();
    this.retryableCodes = Set.copyOf(b.retryableCodes);
    this.maxReplayBytes = b.maxReplayBytes;
    this.callTimeout = b.callTimeout;
    this.breaker = b.circuitBreaker();
    this.concurrencyLimit = b.concurrencyLimit();
    this.timeout = b.timeout();
    this.clock = b.clock();
    this.scheduler = b.scheduler();
    this.single = b.guards().build();
    this.pipeline = hedge != null ? b.guards().hedge(hedge).build() : retry != null ? b.guards().retry(retry).build() : single;
  }

  /** Starts a builder with the defaults above. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this policy's settings. */
  public Builder toBuilder() {
    Builder b = new Builder().clock(clock).scheduler(scheduler).retryableCodes(retryableCodes).maxReplayBytes(maxReplayBytes);
    if (retry != null) {
      b.retry(retry);
    }
    if (hedge != null) {
      b.hedge(hedge);
    }
    if (breaker != null) {
      b.circuitBreaker(breaker);
    }
    // A per-call MAX_ATTEMPTS rebuilds the policy: the call must still count against the same limit.
    if (concurrencyLimit != null) {
      b.concurrencyLimit(concurrencyLimit);
    }
    if (timeout != null) {
      b.timeout(timeout);
    }
    if (callTimeout != null) {
      b.callTimeout(callTimeout);
    }
    return b;
  }

  /** The retry policy, or null when hedging or sending once. */
  public RetryPolicy retry() {
    return retry;
  }

  /** The hedge policy, or null when retrying or sending once. */
  public HedgePolicy hedge() {
    return hedge;
  }

  /** The codes worth another attempt (for hedging: the non-fatal codes). */
  public Set<Status.Code> retryableCodes() {
    return retryableCodes;
  }

  /** The largest request message kept for replay; larger calls commit to their first attempt. */
  public long maxReplayBytes() {
    return maxReplayBytes;
  }

  /** The deadline for the whole call when the caller's is later or absent, if set. */
  public Optional<Duration> callTimeout() {
    return Optional.ofNullable(callTimeout);
  }

  Pipeline pipeline() {
    return pipeline;
  }

  Pipeline single() {
    return single;
  }

  /** The per-attempt timeout of the pipeline, or null. */
  Timeout timeout() {
    return timeout;
  }

  Clock clock() {
    return clock;
  }

  Scheduler scheduler() {
    return scheduler;
  }

  @Override
  public String toString() {
    return "GrpcPolicy{" + (hedge != null ? hedge : retry) + ", codes=" + retryableCodes + ", maxReplayBytes=" + maxReplayBytes
        + (callTimeout == null ? "" : ", callTimeout=" + callTimeout) + "}";
  }

  /**
   * Builds a {@link GrpcPolicy}. Retry, circuit breaker, timeout, clock and scheduler are set as in
   * every adapter ({@link AdapterBuilder}); a timed-out attempt is cancelled and counts as
   * DEADLINE_EXCEEDED. Not thread-safe.
   */
  public static final class Builder extends AdapterBuilder<Builder> {
    private Set<Status.Code> retryableCodes = EnumSet.of(Status.Code.UNAVAILABLE);
    private long maxReplayBytes = 1 << 20;
    private Duration callTimeout;

    private Builder() {}

    /**
     * Hedges under {@code policy}. Only for methods that are safe to run twice.
     *
     * @throws IllegalStateException if a retry policy is set (one or the other)
     */
    public Builder hedge(HedgePolicy policy) {
      useHedge(policy);
      return this;
    }

    /**
     * The codes worth another attempt; for hedging, the non-fatal codes. Default: UNAVAILABLE. An
     * empty set makes every failure final: a retried call is sent once, and a hedged call stops at
     * its first failure (gRFC A6's hedging without {@code nonFatalStatusCodes}).
     *
     * @throws IllegalArgumentException if it contains OK
     */
    public Builder retryableCodes(Set<Status.Code> codes) {
      if (codes.contains(Status.Code.OK)) {
        throw new IllegalArgumentException("retryableCodes must not contain OK: " + codes);
      }
      this.retryableCodes = codes.isEmpty() ? EnumSet.noneOf(Status.Code.class) : EnumSet.copyOf(codes);
      return this;
    }

    /**
     * A deadline for the whole call, all attempts and waits together, applied when the caller's
     * own deadline is later or absent: gRPC service config's {@code methodConfig.timeout}. Default:
     * none. Unlike {@link #timeout}, which bounds each attempt.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder callTimeout(Duration callTimeout) {
      if (callTimeout == null || callTimeout.isNegative() || callTimeout.isZero()) {
        throw new IllegalArgumentException("callTimeout must be positive: " + callTimeout);
      }
      this.callTimeout = callTimeout;
      return this;
    }

    /**
     * The largest request message kept for replay. Default 1 MiB.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxReplayBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("maxReplayBytes must be >= 0: " + bytes);
      }
      this.maxReplayBytes = bytes;
      return this;
    }

    public GrpcPolicy build() {
      return new GrpcPolicy(this);
    }
  }
}
