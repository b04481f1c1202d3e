package dev.tailguard.internal;

import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitState;
import dev.tailguard.RetryBudget;
import dev.tailguard.Verdict;
import dev.tailguard.event.CircuitRejectedEvent;
import dev.tailguard.event.CircuitStateEvent;
import dev.tailguard.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The circuit breaker's state machine.
 *
 * <p>Design note. Breakers in the wild fail in four known ways: half-open admits more trial calls
 * than configured (resilience4j #1432), half-open wedges when a probe never reports (Sentinel
 * #1638), side effects run inside atomic updates (resilience4j #2038), and cancellations count as
 * failures. This class is built so that none of them can happen.
 *
 * <p>State: one {@link AtomicReference} to an immutable {@link State}. Every transition builds the
 * next snapshot with a pure method and installs it with one CAS; only the thread whose CAS wins
 * fires the listeners, after the CAS. No lock anywhere, so virtual threads never pin.
 *
 * <ul>
 *   <li>{@code epoch} grows with every transition. A permit remembers the epoch it was issued in
 *       and is ignored once the breaker has moved on, so a late answer from an old episode can
 *       never close or open the current one.
 *   <li>CLOSED: {@code window} (mutable, lock-free, private to this episode) counts outcomes; the
 *       episode's shared {@code closedPermit} makes the success path allocation-free.
 *   <li>OPEN: {@code openUntil}; the first call after it moves the state to HALF_OPEN by CAS.
 *   <li>HALF_OPEN: {@code trials[i]} is the issue time of trial permit i, or {@link #FREE}. A permit
 *       is taken by CAS-ing a snapshot with one more slot in use, so exactly {@code
 *       permittedCallsInHalfOpen} trials can be out at once however many threads race (the
 *       stress test races thousands of rounds). A slot older than {@code maxWaitInHalfOpen} counts
 *       as free again: a hung probe gives its permit back.
 * </ul>
 *
 * <p>Invariants: {@code successes < successesToClose} while HALF_OPEN; {@code opens >= 1} while
 * OPEN or HALF_OPEN (it sets the next open duration from the backoff) and {@code 0} while CLOSED.
 */
public final class DefaultCircuitBreaker implements CircuitBreaker {
  private static final long FREE = Long.MIN_VALUE;

  private final CircuitBreakerConfig config;
  private final Clock clock;
  private final boolean tracksSlowCalls;
  private final long slowNanos;
  private final AdaptiveThrottle adaptive;
  private final AtomicReference<State> state;

  public DefaultCircuitBreaker(CircuitBreakerConfig config, Clock clock) {
    this.config = Checks.notNull(config, "config");
    this.clock = Checks.notNull(clock, "clock");
    this.tracksSlowCalls = config.slowCallDuration().isPresent();
    this.slowNanos = config.slowCallDuration().map(Durations::toNanosSaturated).orElse(Long.MAX_VALUE);
    this.adaptive = config.adaptiveK() > 0
        ? (AdaptiveThrottle) RetryBudget.adaptiveThrottle().k(config.adaptiveK()).window(
            config.windowType() == CircuitBreakerConfig.WindowType.TIME ? config.windowDuration() : Duration.ofSeconds(10)).clock(clock).build()
        : null;
    this.state = new AtomicReference<>(closed(0));
  }

  /** One immutable snapshot of the breaker. */
  private final class State {
    final CircuitState kind;
    final long epoch;
    final int opens;
    final CallWindow window;
    final ClosedPermit closedPermit;
    final long openUntil;
    final long[] trials;
    final int successes;

    State(CircuitState kind, long epoch, int opens, CallWindow window, long openUntil, long[] trials, int successes) {
      this.kind = kind;
      this.epoch = epoch;
      this.opens = opens;
      this.window = window;
      this.closedPermit = window == null ? null : new ClosedPermit(this, 0);
      this.openUntil = openUntil;
      this.trials = trials;
      this.successes = successes;
    }
  }

  private State closed(long epoch) {
    CallWindow window = config.windowType() == CircuitBreakerConfig.WindowType.COUNT
        ? new CallWindow.Count(config.windowSize())
        : new CallWindow.Time(clock, Durations.toNanosSaturated(config.windowDuration()), config.windowBuckets());
    return new State(CircuitState.CLOSED, epoch, 0, window, 0, null, 0);
  }

  private State open(State from, long now) {
    int opens = from.opens + 1;
    long duration = config.openBackoff()
        .map(b -> b.delayNanos(opens, 0, ThreadLocalRandomGenerator.INSTANCE))
        .orElse(Durations.toNanosSaturated(config.openDuration()));
    return new State(CircuitState.OPEN, from.epoch + 1, opens, null, now + duration, null, 0);
  }

  private State halfOpen(State from) {
    long[] trials = new long[config.permittedCallsInHalfOpen()];
    Arrays.fill(trials, FREE);
    return new State(CircuitState.HALF_OPEN, from.epoch + 1, from.opens, null, 0, trials, 0);
  }

  private State manual(State from, CircuitState kind) {
    return new State(kind, from.epoch + 1, 0, null, 0, null, 0);
  }

  @Override
  public Permit tryAcquire() {
    Permit permit = acquire();
    if (permit == null && !config.rejectionListeners().isEmpty()) {
      Listeners.fire(config.rejectionListeners(), new CircuitRejectedEvent(config.name(), state.get().kind));
    }
    return permit;
  }

  private Permit acquire() {
    while (true) {
      State s = state.get();
      switch (s.kind) {
        case DISABLED:
          return NOOP;
        case FORCED_OPEN:
          return null;
        case CLOSED:
          if (adaptive != null) {
            return adaptive.admitRequest() ? new AdaptivePermit() : null;
          }
          return tracksSlowCalls ? new ClosedPermit(s, clock.nanoTime()) : s.closedPermit;
        case OPEN:
          {
            long now = clock.nanoTime();
            if (now - s.openUntil < 0) {
              return null;
            }
            transition(s, halfOpen(s));
            continue;
          }
        case HALF_OPEN:
          {
            long now = clock.nanoTime();
            int slot = freeSlot(s, now);
            // Every trial permit is out and none has outlived maxWaitInHalfOpen.
            if (slot < 0) {
              return null;
            }
            long[] trials = s.trials.clone();
            trials[slot] = now;
            State next = new State(CircuitState.HALF_OPEN, s.epoch, s.opens, null, 0, trials, s.successes);
            if (state.compareAndSet(s, next)) {
              return new TrialPermit(s.epoch, slot, now);
            }
            continue;
          }
        default:
          throw new AssertionError(s.kind);
      }
    }
  }

  private int freeSlot(State s, long now) {
    long maxWait = Durations.toNanosSaturated(config.maxWaitInHalfOpen());
    for (int i = 0; i < s.trials.length; i++) {
      if (s.trials[i] == FREE || now - s.trials[i] >= maxWait) {
        return i;
      }
    }
    return -1;
  }

  /** Installs {@code next} if the state is still {@code from}; fires the event only on success. */
  private boolean transition(State from, State next) {
    if (!state.compareAndSet(from, next)) {
      return false;
    }
    if (from.kind != next.kind && !config.stateListeners().isEmpty()) {
      Listeners.fire(config.stateListeners(), new CircuitStateEvent(config.name(), from.kind, next.kind));
    }
    return true;
  }

  private void onClosedOutcome(State s, boolean failed, boolean slow) {
    s.window.record(failed, slow);
    // A success cannot raise a rate; it can only complete the minimum while failures are present.
    if (!failed && !slow && s.window.calls() > config.minimumCalls()) {
      return;
    }
    if (shouldTrip(s.window) && state.get() == s) {
      transition(s, open(s, clock.nanoTime()));
    }
  }

  private boolean shouldTrip(CallWindow window) {
    long calls = window.calls();
    if (calls < config.minimumCalls()) {
      return false;
    }
    long failures = window.failures();
    return failures >= config.failureRateThreshold() * calls
        || (tracksSlowCalls && window.slowCalls() >= config.slowCallRateThreshold() * calls)
        || (config.failureCountThreshold() > 0 && failures >= config.failureCountThreshold());
  }

  private void onTrialOutcome(long epoch, int slot, long issuedAt, Outcome outcome) {
    // A trial that outlived maxWaitInHalfOpen was reclaimed, even if nobody has reused its slot yet.
    if (outcome != Outcome.RELEASED && clock.nanoTime() - issuedAt >= Durations.toNanosSaturated(config.maxWaitInHalfOpen())) {
      return;
    }
    while (true) {
      State s = state.get();
      // The trial was reclaimed, or the breaker has moved on: its answer no longer counts.
      if (s.kind != CircuitState.HALF_OPEN || s.epoch != epoch || s.trials[slot] != issuedAt) {
        return;
      }
      State next;
      if (outcome == Outcome.FAILURE) {
        next = open(s, clock.nanoTime());
      } else if (outcome == Outcome.SUCCESS && s.successes + 1 >= config.successesToClose()) {
        next = closed(s.epoch + 1);
      } else {
        long[] trials = s.trials.clone();
        trials[slot] = FREE;
        next = new State(CircuitState.HALF_OPEN, s.epoch, s.opens, null, 0, trials,
            s.successes + (outcome == Outcome.SUCCESS ? 1 : 0));
      }
      if (transition(s, next)) {
        return;
      }
    }
  }

  private enum Outcome {
    SUCCESS,
    FAILURE,
    RELEASED
  }

  @Override
  public CircuitState state() {
    return state.get().kind;
  }

  @Override
  public CircuitBreakerConfig config() {
    return config;
  }

  @Override
  public double failureRate() {
    State s = state.get();
    if (s.window == null || s.window.calls() < config.minimumCalls()) {
      return Double.NaN;
    }
    return (double) s.window.failures() / s.window.calls();
  }

  @Override
  public void transitionToOpen() {
    moveTo(CircuitState.OPEN);
  }

  @Override
  public void transitionToClosed() {
    moveTo(CircuitState.CLOSED);
  }

  @Override
  public void transitionToForcedOpen() {
    moveTo(CircuitState.FORCED_OPEN);
  }

  @Override
  public void transitionToDisabled() {
    moveTo(CircuitState.DISABLED);
  }

  private void moveTo(CircuitState target) {
    while (true) {
      State s = state.get();
      // Manual transitions are idempotent (resilience4j #891): OPEN -> OPEN is a no-op.
      if (s.kind == target) {
        return;
      }
      State next;
      switch (target) {
        case OPEN:
          next = open(s, clock.nanoTime());
          break;
        case CLOSED:
          next = closed(s.epoch + 1);
          break;
        default:
          next = manual(s, target);
      }
      if (transition(s, next)) {
        return;
      }
    }
  }

  @Override
  public String toString() {
    return "CircuitBreaker{" + config.name() + ", " + state() + "}";
  }

  private static final Permit NOOP = new Permit() {
    @Override
    public void onSuccess() {}

    @Override
    public void onFailure() {}

    @Override
    public void release() {}
  };

  /** A CLOSED episode's permit; shared by every call of the episode unless calls are timed. */
  private final class ClosedPermit implements Permit {
    private final State episode;
    private final long startNanos;

    ClosedPermit(State episode, long startNanos) {
      this.episode = episode;
      this.startNanos = startNanos;
    }

    @Override
    public void onSuccess() {
      record(false);
    }

    @Override
    public void onFailure() {
      record(true);
    }

    private void record(boolean failed) {
      // An answer that arrives after the episode ended says nothing about the current one.
      if (state.get() != episode) {
        return;
      }
      boolean slow = tracksSlowCalls && clock.nanoTime() - startNanos >= slowNanos;
      onClosedOutcome(episode, failed, slow);
    }

    @Override
    public void release() {}
  }

  private final class TrialPermit implements Permit {
    private final long epoch;
    private final int slot;
    private final long issuedAt;

    TrialPermit(long epoch, int slot, long issuedAt) {
      this.epoch = epoch;
      this.slot = slot;
      this.issuedAt = issuedAt;
    }

    @Override
    public void onSuccess() {
      // A slow trial is no proof of health.
      boolean slow = tracksSlowCalls && clock.nanoTime() - issuedAt >= slowNanos;
      onTrialOutcome(epoch, slot, issuedAt, slow ? Outcome.FAILURE : Outcome.SUCCESS);
    }

    @Override
    public void onFailure() {
      onTrialOutcome(epoch, slot, issuedAt, Outcome.FAILURE);
    }

    @Override
    public void release() {
      onTrialOutcome(epoch, slot, issuedAt, Outcome.RELEASED);
    }
  }

  private final class AdaptivePermit implements Permit {
    @Override
    public void onSuccess() {
      adaptive.record(Verdict.SUCCESS);
    }

    @Override
    public void onFailure() {
      adaptive.record(Verdict.RETRYABLE);
    }

    @Override
    public void release() {}
  }
}
