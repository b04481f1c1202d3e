package dev.tailguard;

import dev.tailguard.internal.DefaultCircuitBreaker;
import dev.tailguard.time.Clock;

/**
 * Stops calling a backend that keeps failing, for a while, then probes it carefully before
 * closing again.
 *
 * <pre>{@code
 * CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("payments").build());
 * CircuitBreaker.Permit permit = breaker.tryAcquire();
 * if (permit == null) throw new CircuitOpenException(...);   // or use Pipeline, which does this
 * try { T result = call(); permit.onSuccess(); } catch (IOException e) { permit.onFailure(); }
 * }</pre>
 *
 * <p>Every permit must end with exactly one of {@link Permit#onSuccess}, {@link
 * Permit#onFailure} or {@link Permit#release} (for a cancelled call, which does not count as a
 * failure: hedge losers must not trip the breaker). A half-open permit that never reports is
 * reclaimed after {@code maxWaitInHalfOpen}.
 *
 * <p>Thread-safe and lock-free: state is an immutable snapshot swapped by CAS, and listeners run
 * after the transition. A count-based breaker's success path costs two or three atomic operations
 * and no clock read unless slow-call tracking is on.
 *
 * @since 0.1
 */
public interface CircuitBreaker {

  /** Returns a breaker on the system clock. */
  static CircuitBreaker of(CircuitBreakerConfig config) {
    return of(config, Clock.system());
  }

  /** Returns a breaker on the given clock ({@code FakeClock} in tests). */
  static CircuitBreaker of(CircuitBreakerConfig config, Clock clock) {
    return new DefaultCircuitBreaker(config, clock);
  }

  /**
   * Asks to make one call.
   *
   * @return a permit to report the call's outcome on, or {@code null} when the call is rejected
   */
  Permit tryAcquire();

  /** Returns the current state. A breaker whose open duration has passed still reads OPEN until the next call. */
  CircuitState state();

  /** Returns the configuration. */
  CircuitBreakerConfig config();

  /** Returns the failure rate of the current window, or NaN when it holds fewer than minimumCalls. */
  double failureRate();

  /** Opens the breaker now. Idempotent: OPEN stays OPEN. */
  void transitionToOpen();

  /** Closes the breaker with an empty window. Idempotent. */
  void transitionToClosed();

  /** Rejects every call until another manual transition. Idempotent. */
  void transitionToForcedOpen();

  /** Lets every call through and counts nothing until another manual transition. Idempotent. */
  void transitionToDisabled();

  /**
   * One permitted call. Report it exactly once, with exactly one of these methods: permits are
   * not guarded against a second report (a closed breaker shares one allocation-free permit among
   * its calls), so a second report is counted as another outcome.
   */
  interface Permit {
    /** The call succeeded. */
    void onSuccess();

    /** The call failed in a way that counts against the backend. */
    void onFailure();

    /** The call was cancelled or its outcome says nothing about the backend: give the permit back. */
    void release();
  }
}
