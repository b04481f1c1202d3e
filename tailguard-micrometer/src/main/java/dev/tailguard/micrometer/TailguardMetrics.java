package dev.tailguard.micrometer;

import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitState;
import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.event.AttemptStartedEvent;
import dev.tailguard.event.HedgeCompletedEvent;
import dev.tailguard.event.ResultDiscardedEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Micrometer meters for one guard (one backend), fed only by Tailguard's event API: it adds
 * listeners to the policy builders you give it and gauges to the stateful objects you bind.
 *
 * <pre>{@code
 * TailguardMetrics metrics = TailguardMetrics.of(registry, "payments");
 * RetryPolicy policy = metrics.instrument(RetryPolicy.builder().maxAttempts(3)).build();
 * CircuitBreaker breaker = metrics.bind(CircuitBreaker.of(metrics.instrument(CircuitBreakerConfig.builder("payments")).build()));
 * }</pre>
 *
 * <p>Meters, each tagged {@code name=<guard>} (names follow gRPC's A96 client metrics where they
 * fit):
 *
 * <ul>
 *   <li>{@code tailguard.calls} {outcome=success|failure|gave_up|killed}
 *   <li>{@code tailguard.attempts} {kind=first|retry|hedge}
 *   <li>{@code tailguard.retry_delay} (timer): the wait before each retry
 *   <li>{@code tailguard.hedges} and {@code tailguard.hedges.won}
 *   <li>{@code tailguard.budget.denials} and the {@code tailguard.budget.level} gauge
 *   <li>{@code tailguard.breaker.state} {state=...} (1 for the current state, 0 otherwise),
 *       {@code tailguard.breaker.transitions} {from, to}, {@code tailguard.breaker.rejections}
 *   <li>{@code tailguard.discarded} {reason}: results released unread (closed response bodies)
 *   <li>{@code tailguard.concurrency_limit.limit} and {@code tailguard.concurrency_limit.in_flight}
 *       gauges, {@code tailguard.concurrency_limit.refusals} {waited=true|false} and {@code
 *       tailguard.concurrency_limit.changes} {direction=up|down}
 * </ul>
 *
 * <p>Counting costs one counter increment per event; a policy without these listeners allocates
 * no events at all. Thread-safe.
 */
public final class TailguardMetrics {
  private final MeterRegistry registry;
  private final String name;
  private final Tags tags;
  private final Map<AttemptStartedEvent.Kind, Counter> attempts = new EnumMap<>(AttemptStartedEvent.Kind.class);
  private final Map<ResultDiscardedEvent.Reason, Counter> discarded = new EnumMap<>(ResultDiscardedEvent.Reason.class);
  private final Counter success;
  private final Counter failure;
  private final Counter gaveUp;
  private final Counter killed;
  private final Timer retryDelay;
  private final Counter hedges;
  private final Counter hedgesWon;
  private final Counter budgetDenials;
  private final Counter breakerRejections;
  private final Counter limitRefusedAtOnce;
  private final Counter limitRefusedAfterWait;
  private final Counter limitUp;
  private final Counter limitDown;

  private TailguardMetrics(MeterRegistry registry, String name) {
    this.registry = registry;
    this.name = name;
    this.tags = Tags.of("name", name);
    for (AttemptStartedEvent.Kind kind : AttemptStartedEvent.Kind.values()) {
      attempts.put(kind, counter("tailguard.attempts", "Attempts started, by kind", "kind", lower(kind)));
    }
    for (ResultDiscardedEvent.Reason reason : ResultDiscardedEvent.Reason.values()) {
      discarded.put(reason, counter("tailguard.discarded", "Results released without being returned", "reason", lower(reason)));
    }
    this.success = counter("tailguard.calls", "Calls by outcome", "outcome", "success");
    this.failure = counter("tailguard.calls", "Calls by outcome", "outcome", "failure");
    this.gaveUp = counter("tailguard.calls", "Calls by outcome", "outcome", "gave_up");
    this.killed = counter("tailguard.calls", "Calls by outcome", "outcome", "killed");
    this.retryDelay = Timer.builder("tailguard.retry_delay").description("Wait before each retry").tags(tags).register(registry);
    this.hedges = counter("tailguard.hedges", "Hedges sent", null, null);
    this.hedgesWon = counter("tailguard.hedges.won", "Calls whose outcome came from a hedge", null, null);
    this.budgetDenials = counter("tailguard.budget.denials", "Attempts refused by the budget", null, null);
    this.breakerRejections = counter("tailguard.breaker.rejections", "Calls refused by the circuit breaker", null, null);
    this.limitRefusedAtOnce = counter("tailguard.concurrency_limit.refusals", "Attempts refused by the concurrency limit", "waited", "false");
    this.limitRefusedAfterWait = counter("tailguard.concurrency_limit.refusals", "Attempts refused by the concurrency limit", "waited", "true");
    this.limitUp = counter("tailguard.concurrency_limit.changes", "Changes of an adaptive concurrency limit", "direction", "up");
    this.limitDown = counter("tailguard.concurrency_limit.changes", "Changes of an adaptive concurrency limit", "direction", "down");
  }

  /**
   * Returns the meters of the guard {@code name} in {@code registry}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static TailguardMetrics of(MeterRegistry registry, String name) {
    return new TailguardMetrics(Objects.requireNonNull(registry, "registry"), Objects.requireNonNull(name, "name"));
  }

  private Counter counter(String meter, String description, String key, String value) {
    Counter.Builder builder = Counter.builder(meter).description(description).tags(tags);
    if (key != null) {
      builder.tag(key, value);
    }
    return builder.register(registry);
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Adds the listeners for calls, attempts, retry delays and discards. Returns {@code builder}. */
  public RetryPolicy.Builder instrument(RetryPolicy.Builder builder) {
    return builder
        .onAttempt(e -> attempts.get(e.kind()).increment())
        .onRetry(e -> retryDelay.record(e.delay()))
        .onSuccess(e -> success.increment())
        .onFailure(e -> failure.increment())
        .onGiveUp(e -> gaveUp.increment())
        .onDiscard(e -> discarded.get(e.reason()).increment());
  }

  /** Adds the listeners for calls, attempts, hedges sent and won, and discards. Returns {@code builder}. */
  public HedgePolicy.Builder instrument(HedgePolicy.Builder builder) {
    return builder
        .onAttempt(e -> attempts.get(e.kind()).increment())
        .onHedge(e -> hedges.increment())
        .onComplete(this::onHedgeCompleted)
        .onDiscard(e -> discarded.get(e.reason()).increment());
  }

  private void onHedgeCompleted(HedgeCompletedEvent event) {
    switch (event.outcome()) {
      case SUCCEEDED:
        success.increment();
        break;
      case FAILED:
        failure.increment();
        break;
      case ALL_FAILED:
        gaveUp.increment();
        break;
      default:
        killed.increment();
    }
    if (event.hedgeWon()) {
      hedgesWon.increment();
    }
  }

  /** Adds the listeners for transitions and rejections. Returns {@code builder}. */
  public CircuitBreakerConfig.Builder instrument(CircuitBreakerConfig.Builder builder) {
    return builder
        .onStateChange(e -> Counter.builder("tailguard.breaker.transitions").description("Circuit breaker state changes").tags(tags)
            .tag("from", lower(e.from())).tag("to", lower(e.to())).register(registry).increment())
        .onRejected(e -> breakerRejections.increment());
  }

  /** Adds the listener for denials. Returns {@code builder}. */
  public <B extends RetryBudget.Builder<B>> B instrument(B builder) {
    return builder.onDenied(e -> budgetDenials.increment());
  }

  /** Adds the listeners for refusals and limit changes. Returns {@code builder}. */
  public <B extends ConcurrencyLimit.Builder<B>> B instrument(B builder) {
    return builder
        .onRefused(e -> (e.waited() ? limitRefusedAfterWait : limitRefusedAtOnce).increment())
        .onLimitChanged(e -> (e.to() > e.from() ? limitUp : limitDown).increment());
  }

  /** Registers the limit's gauges: the current limit and the attempts in flight. Returns {@code limit}. */
  public ConcurrencyLimit bind(ConcurrencyLimit limit) {
    Objects.requireNonNull(limit, "limit");
    Gauge.builder("tailguard.concurrency_limit.limit", limit, ConcurrencyLimit::limit)
        .description("The concurrency limit now").tags(tags).register(registry);
    Gauge.builder("tailguard.concurrency_limit.in_flight", limit, ConcurrencyLimit::inFlight)
        .description("Attempts holding a permit now").tags(tags).register(registry);
    return limit;
  }

  /** Registers the breaker's state gauges. Returns {@code breaker}. */
  public CircuitBreaker bind(CircuitBreaker breaker) {
    Objects.requireNonNull(breaker, "breaker");
    for (CircuitState state : CircuitState.values()) {
      Gauge.builder("tailguard.breaker.state", breaker, b -> b.state() == state ? 1 : 0)
          .description("1 for the breaker's current state").tags(tags).tag("state", lower(state)).register(registry);
    }
    return breaker;
  }

  /** Registers the budget's level gauge (tokens, retries left, or rejection probability). Returns {@code budget}. */
  public RetryBudget bind(RetryBudget budget) {
    Objects.requireNonNull(budget, "budget");
    Gauge.builder("tailguard.budget.level", budget, b -> b.state().level()).description("The budget's current level").tags(tags).register(registry);
    return budget;
  }

  /** Returns the guard's name. */
  public String name() {
    return name;
  }
}
