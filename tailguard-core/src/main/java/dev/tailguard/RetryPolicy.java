package dev.tailguard;

import dev.tailguard.event.AttemptStartedEvent;
import dev.tailguard.event.CallFailedEvent;
import dev.tailguard.event.CallSucceededEvent;
import dev.tailguard.event.EventListener;
import dev.tailguard.event.GiveUpEvent;
import dev.tailguard.event.ResultDiscardedEvent;
import dev.tailguard.event.RetryScheduledEvent;
import dev.tailguard.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a call is retried: how many attempts, how long to wait between them, how long the whole
 * call and each attempt may take, and who may veto a retry.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.builder()
 *     .maxAttempts(4)                                   // the first attempt plus 3 retries
 *     .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofSeconds(2))
 *                     .withJitter(Jitter.full()))
 *     .deadline(Duration.ofSeconds(5))                  // all attempts and waits together
 *     .perAttemptTimeout(Duration.ofSeconds(1))
 *     .onRetry(e -> log.info("retrying after {}", e.delay()))
 *     .build();
 * RetryPolicy patient = policy.toBuilder().maxAttempts(6).build();
 * }</pre>
 *
 * <p>Defaults: 3 attempts; {@code Backoff.exponential(100ms, 10s)} with full jitter; no deadline;
 * no per-attempt timeout; server hints capped at 60 s; every retry admitted; sync attempts are not
 * interrupted on timeout; no listeners.
 *
 * <p>The policy is a value: it holds no per-call state and one instance serves any number of
 * concurrent calls through a {@link Retry}. Instances are immutable and thread-safe.
 *
 * @since 0.1
 */
public final class RetryPolicy {
  private static final Backoff DEFAULT_BACKOFF =
      Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10)).withJitter(Jitter.full());
  private static final RetryPolicy DEFAULTS = new Builder().build();

  private final int maxAttempts;
  private final Backoff backoff;
  private final Duration deadline;
  private final Duration perAttemptTimeout;
  private final Duration maxServerDelay;
  private final boolean interruptOnTimeout;
  private final RetryAdmission admission;
  private final List<EventListener<RetryScheduledEvent>> retryListeners;
  private final List<EventListener<AttemptStartedEvent>> attemptListeners;
  private final List<EventListener<CallSucceededEvent>> successListeners;
  private final List<EventListener<CallFailedEvent>> failureListeners;
  private final List<EventListener<GiveUpEvent>> giveUpListeners;
  private final List<EventListener<ResultDiscardedEvent>> discardListeners;

  private RetryPolicy(Builder builder) {
    this.maxAttempts = builder.maxAttempts;
    this.backoff = builder.backoff;
    this.deadline = builder.deadline;
    this.perAttemptTimeout = builder.perAttemptTimeout;
    this.maxServerDelay = builder.maxServerDelay;
    this.interruptOnTimeout = builder.interruptOnTimeout;
    this.admission = builder.admission;
    this.retryListeners = List.copyOf(builder.retryListeners);
    this.attemptListeners = List.copyOf(builder.attemptListeners);
    this.successListeners = List.copyOf(builder.successListeners);
    this.failureListeners = List.copyOf(builder.failureListeners);
    this.giveUpListeners = List.copyOf(builder.giveUpListeners);
    this.discardListeners = List.copyOf(builder.discardListeners);
  }

  /** Returns the policy with every setting at its default. */
  public static RetryPolicy ofDefaults() {
    return DEFAULTS;
  }

  /** Starts a builder with every setting at its default. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder holding this policy's settings, to derive a changed copy. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Returns the maximum number of attempts, counting the first: 1 means no retry. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Returns the backoff between attempts. */
  public Backoff backoff() {
    return backoff;
  }

  /** Returns the time limit for the whole call, attempts and waits together, if set. */
  public Optional<Duration> deadline() {
    return Optional.ofNullable(deadline);
  }

  /**
   * Returns the time limit for one attempt, if set. An attempt gets the smaller of this and the
   * time left before the deadline.
   */
  public Optional<Duration> perAttemptTimeout() {
    return Optional.ofNullable(perAttemptTimeout);
  }

  /** Returns the cap on a server-hinted delay (Retry-After, gRPC pushback). */
  public Duration maxServerDelay() {
    return maxServerDelay;
  }

  /**
   * Returns whether a synchronous attempt's thread is interrupted when the attempt's time is up.
   * Asynchronous attempts are always cancelled.
   */
  public boolean interruptOnTimeout() {
    return interruptOnTimeout;
  }

  /** Returns the admission check consulted before every retry. */
  public RetryAdmission admission() {
    return admission;
  }

  /** Returns the listeners for scheduled retries. */
  public List<EventListener<RetryScheduledEvent>> retryListeners() {
    return retryListeners;
  }

  /** Returns the listeners for started attempts. */
  public List<EventListener<AttemptStartedEvent>> attemptListeners() {
    return attemptListeners;
  }

  /** Returns the listeners for successful calls. */
  public List<EventListener<CallSucceededEvent>> successListeners() {
    return successListeners;
  }

  /** Returns the listeners for calls that ended with a non-retryable failure. */
  public List<EventListener<CallFailedEvent>> failureListeners() {
    return failureListeners;
  }

  /** Returns the listeners for calls that gave up. */
  public List<EventListener<GiveUpEvent>> giveUpListeners() {
    return giveUpListeners;
  }

  /** Returns the listeners for discarded results. */
  public List<EventListener<ResultDiscardedEvent>> discardListeners() {
    return discardListeners;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof RetryPolicy)) {
      return false;
    }
    RetryPolicy that = (RetryPolicy) other;
    return maxAttempts == that.maxAttempts
        && interruptOnTimeout == that.interruptOnTimeout
        && backoff.equals(that.backoff)
        && Objects.equals(deadline, that.deadline)
        && Objects.equals(perAttemptTimeout, that.perAttemptTimeout)
        && maxServerDelay.equals(that.maxServerDelay)
        && admission.equals(that.admission)
        && retryListeners.equals(that.retryListeners)
        && attemptListeners.equals(that.attemptListeners)
        && successListeners.equals(that.successListeners)
        && failureListeners.equals(that.failureListeners)
        && giveUpListeners.equals(that.giveUpListeners)
        && discardListeners.equals(that.discardListeners);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        maxAttempts,
        backoff,
        deadline,
        perAttemptTimeout,
        maxServerDelay,
        interruptOnTimeout,
        admission,
        retryListeners,
        attemptListeners,
        successListeners,
        failureListeners,
        giveUpListeners,
        discardListeners);
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts="
        + maxAttempts
        + ", backoff="
        + backoff
        + ", deadline="
        + deadline
        + ", perAttemptTimeout="
        + perAttemptTimeout
        + ", maxServerDelay="
        + maxServerDelay
        + ", interruptOnTimeout="
        + interruptOnTimeout
        + "}";
  }

  /**
   * Builds a {@link RetryPolicy}. Each setter validates its argument at once and names it in the
   * message; constraints between settings are checked by {@link #build()}. Not thread-safe.
   */
  public static final class Builder {
    private int maxAttempts = 3;
    private Backoff backoff = DEFAULT_BACKOFF;
    private Duration deadline;
    private Duration perAttemptTimeout;
    private Duration maxServerDelay = Duration.ofSeconds(60);
    private boolean interruptOnTimeout;
    private RetryAdmission admission = RetryAdmission.always();
    private final List<EventListener<RetryScheduledEvent>> retryListeners = new ArrayList<>();
    private final List<EventListener<AttemptStartedEvent>> attemptListeners = new ArrayList<>();
    private final List<EventListener<CallSucceededEvent>> successListeners = new ArrayList<>();
    private final List<EventListener<CallFailedEvent>> failureListeners = new ArrayList<>();
    private final List<EventListener<GiveUpEvent>> giveUpListeners = new ArrayList<>();
    private final List<EventListener<ResultDiscardedEvent>> discardListeners = new ArrayList<>();

    private Builder() {}

    private Builder(RetryPolicy policy) {
      this.maxAttempts = policy.maxAttempts;
      this.backoff = policy.backoff;
      this.deadline = policy.deadline;
      this.perAttemptTimeout = policy.perAttemptTimeout;
      this.maxServerDelay = policy.maxServerDelay;
      this.interruptOnTimeout = policy.interruptOnTimeout;
      this.admission = policy.admission;
      this.retryListeners.addAll(policy.retryListeners);
      this.attemptListeners.addAll(policy.attemptListeners);
      this.successListeners.addAll(policy.successListeners);
      this.failureListeners.addAll(policy.failureListeners);
      this.giveUpListeners.addAll(policy.giveUpListeners);
      this.discardListeners.addAll(policy.discardListeners);
    }

    /**
     * Sets the maximum number of attempts, counting the first. Default 3.
     *
     * @param maxAttempts at least 1; 1 means no retry
     * @throws IllegalArgumentException if {@code maxAttempts < 1}
     */
    public Builder maxAttempts(int maxAttempts) {
      Checks.argument(maxAttempts >= 1, "maxAttempts must be >= 1: %s", maxAttempts);
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the backoff. Default {@code Backoff.exponential(100ms, 10s)} with full jitter.
     *
     * @throws NullPointerException if {@code backoff} is null
     */
    public Builder backoff(Backoff backoff) {
      this.backoff = Checks.notNull(backoff, "backoff");
      return this;
    }

    /**
     * Sets the time limit for the whole call: attempts and waits together. A retry whose wait
     * would overrun it is not started. Default: none.
     *
     * @throws IllegalArgumentException if {@code deadline} is not positive
     */
    public Builder deadline(Duration deadline) {
      this.deadline = Checks.positive(deadline, "deadline");
      return this;
    }

    /**
     * Sets the time limit for one attempt. Asynchronous attempts are cancelled when it passes;
     * a synchronous attempt is interrupted only with {@link #interruptOnTimeout(boolean)}, and
     * otherwise counts as timed out when it returns late (its result is discarded). Default:
     * none.
     *
     * @throws IllegalArgumentException if {@code perAttemptTimeout} is not positive
     */
    public Builder perAttemptTimeout(Duration perAttemptTimeout) {
      this.perAttemptTimeout = Checks.positive(perAttemptTimeout, "perAttemptTimeout");
      return this;
    }

    /**
     * Sets the cap on a server-hinted delay. A peer cannot park the client longer than this, and
     * never past the deadline. Default 60 s.
     *
     * @throws IllegalArgumentException if {@code maxServerDelay} is negative
     */
    public Builder maxServerDelay(Duration maxServerDelay) {
      this.maxServerDelay = Checks.nonNegative(maxServerDelay, "maxServerDelay");
      return this;
    }

    /**
     * Whether a synchronous attempt's thread is interrupted when its time is up, so blocking I/O
     * that honours interrupts stops at once. The interrupt Tailguard caused is cleared before the
     * next attempt. Default {@code false}.
     */
    public Builder interruptOnTimeout(boolean interruptOnTimeout) {
      this.interruptOnTimeout = interruptOnTimeout;
      return this;
    }

    /**
     * Sets the check consulted before every retry (a retry budget). Default: admit all.
     *
     * @throws NullPointerException if {@code admission} is null
     */
    public Builder admission(RetryAdmission admission) {
      this.admission = Checks.notNull(admission, "admission");
      return this;
    }

    /** Adds a listener for scheduled retries; earlier listeners are kept. */
    public Builder onRetry(EventListener<RetryScheduledEvent> listener) {
      retryListeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /** Adds a listener for every attempt that starts (first and retries); earlier listeners are kept. */
    public Builder onAttempt(EventListener<AttemptStartedEvent> listener) {
      attemptListeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /** Adds a listener for successful calls; earlier listeners are kept. */
    public Builder onSuccess(EventListener<CallSucceededEvent> listener) {
      successListeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /** Adds a listener for calls that end with a non-retryable failure. */
    public Builder onFailure(EventListener<CallFailedEvent> listener) {
      failureListeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /** Adds a listener for calls that give up; earlier listeners are kept. */
    public Builder onGiveUp(EventListener<GiveUpEvent> listener) {
      giveUpListeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /** Adds a listener for discarded results; earlier listeners are kept. */
    public Builder onDiscard(EventListener<ResultDiscardedEvent> listener) {
      discardListeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalStateException if {@code perAttemptTimeout} exceeds {@code deadline}
     */
    public RetryPolicy build() {
      Checks.state(
          perAttemptTimeout == null || deadline == null || perAttemptTimeout.compareTo(deadline) <= 0,
          "perAttemptTimeout (%s) must be <= deadline (%s)",
          perAttemptTimeout,
          deadline);
      return new RetryPolicy(this);
    }
  }
}
