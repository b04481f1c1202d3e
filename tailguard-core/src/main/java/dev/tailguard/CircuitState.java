package dev.tailguard;

/**
 * The states of a {@link CircuitBreaker}.
 *
 * @since 0.1
 */
public enum CircuitState {
  /** Calls pass; outcomes are counted in the sliding window. */
  CLOSED,
  /** Calls are rejected until the open duration has passed. */
  OPEN,
  /** A fixed number of trial calls pass; their outcomes decide between CLOSED and OPEN. */
  HALF_OPEN,
  /** Manually opened: every call is rejected until another manual transition. */
  FORCED_OPEN,
  /** Manually disabled: every call passes and nothing is counted. */
  DISABLED
}
