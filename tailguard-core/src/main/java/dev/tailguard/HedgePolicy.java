package dev.tailguard;

import dev.tailguard.event.AttemptStartedEvent;
import dev.tailguard.event.EventListener;
import dev.tailguard.event.HedgeCompletedEvent;
import dev.tailguard.event.HedgeStartedEvent;
import dev.tailguard.event.ResultDiscardedEvent;
import dev.tailguard.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a call is hedged: how many attempts may run, when each hedge is sent, and which budget may
 * veto it.
 *
 * <pre>{@code
 * HedgeDelay delay = HedgeDelay.adaptive(0.05).build();   // share per backend
 * RetryBudget budget = RetryBudget.ratio().percentCanRetry(0.05).build();
 * HedgePolicy policy = HedgePolicy.builder(delay).maxAttempts(2).admission(budget).build();
 * }</pre>
 *
 * <p>Semantics (gRPC's, not Resilience4j's): the first {@link Verdict#SUCCESS} wins; a
 * {@link Verdict#RETRYABLE} failure starts the next hedge at once if attempts remain; a
 * {@link Verdict#NON_RETRYABLE} outcome commits. Losers are cancelled and their results, if any
 * arrive, discarded. Every hedge asks the admission first ({@link RetryAdmission#admit(long,
 * int)}, with the call's identity and the hedge's attempt number). What a refusal does is {@link
 * #whenHedgeRefused()}: by default it stops new hedges and the call ends with what is running
 * ({@link RefusedHedge#STOP_HEDGING}); with {@link RefusedHedge#KILL_CALL} it kills the call, as
 * the design notes' backup-request library does.
 *
 * <p><b>Deadline.</b> With {@link Builder#deadline(Duration)} the whole call ends when it passes:
 * every attempt still running is cancelled (future and {@link AttemptContext#onCancel} hooks), no
 * timer is left behind, and the call fails with {@link RetriesExhaustedException} whose {@link
 * RetriesExhaustedException#reason() reason()} is {@link GiveUpReason#DEADLINE}. Its cause is the
 * last failed attempt's exception, or, when none had failed, an {@link AttemptTimeoutException}
 * for the oldest attempt still running. Each attempt's {@link AttemptContext#timeout()} is the
 * time left before the deadline when it starts.
 *
 * <p><b>Server hints.</b> A {@link Verdict#RETRYABLE} outcome for which the call's {@link
 * OutcomeHandler#serverHint()} returns a delay postpones the next hedge by exactly that delay,
 * capped by {@link #maxServerDelay()}; a negative delay, or one reaching the deadline, stops new
 * hedges while the attempts in flight continue. {@link ServerHint} has the details.
 *
 * <p>Defaults: 2 attempts (the original and one hedge); no deadline; server hints capped at 60 s;
 * every hedge admitted, a refusal stops hedging; no listeners. Instances are immutable and thread-safe.
 *
 * @since 0.1
 */
public final class HedgePolicy {
  /** What a hedge the admission refuses does to its call. */
  public enum RefusedHedge {
    /** No more hedges start; the call ends with the attempts already running. The default. */
    STOP_HEDGING,
    /**
     * The call is killed: every attempt still running is cancelled and the call fails with {@link
     * CallKilledException} (so {@link Hedge#isKilled(Throwable)} is true), its cause the {@link
     * BudgetExhaustedException}.
     */
    KILL_CALL
  }

  /** The most attempts a hedged call may start. */
  public static final int MAX_ATTEMPTS_LIMIT = 10;

  private final int maxAttempts;
  private final HedgeDelay delay;
  private final Duration deadline;
  private final Duration maxServerDelay;
  private final RetryAdmission admission;
  private final RefusedHedge whenHedgeRefused;
  private final List<EventListener<HedgeStartedEvent>> hedgeListeners;
  private final List<EventListener<AttemptStartedEvent>> attemptListeners;
  private final List<EventListener<HedgeCompletedEvent>> completionListeners;
  private final List<EventListener<ResultDiscardedEvent>> discardListeners;

  private HedgePolicy(Builder builder) {
    this.maxAttempts = builder.maxAttempts;
    this.delay = builder.delay;
    this.deadline = builder.deadline;
    this.maxServerDelay = builder.maxServerDelay;
    this.admission = builder.admission;
    this.whenHedgeRefused = builder.whenHedgeRefused;
    this.hedgeListeners = List.copyOf(builder.hedgeListeners);
    this.attemptListeners = List.copyOf(builder.attemptListeners);
    this.completionListeners = List.copyOf(builder.completionListeners);
    this.discardListeners = List.copyOf(builder.discardListeners);
  }

  /**
   * Starts a builder with the given hedge delay.
   *
   * @throws NullPointerException if {@code delay} is null
   */
  public static Builder builder(HedgeDelay delay) {
    return new Builder(delay);
  }

  /** Returns a builder holding this policy's settings. */
  public Builder toBuilder() {
    Builder builder = new Builder(delay).maxAttempts(maxAttempts).maxServerDelay(maxServerDelay).admission(admission);
    builder.deadline = deadline;
    builder.whenHedgeRefused = whenHedgeRefused;
    builder.hedgeListeners.addAll(hedgeListeners);
    builder.attemptListeners.addAll(attemptListeners);
    builder.completionListeners.addAll(completionListeners);
    builder.discardListeners.addAll(discardListeners);
    return builder;
  }

  /** Returns the most attempts a call may start, counting the original. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Returns when hedges are sent. */
  public HedgeDelay delay() {
    return delay;
  }

  /** Returns the time limit for the whole call, if set: when it passes the call ends. */
  public Optional<Duration> deadline() {
    return Optional.ofNullable(deadline);
  }

  /** Returns the cap on a server-hinted hedge delay (Retry-After, gRPC pushback). */
  public Duration maxServerDelay() {
    return maxServerDelay;
  }

  /** Returns the admission (budget) every hedge must pass. */
  public RetryAdmission admission() {
    return admission;
  }

  /** Returns what a refused hedge does to its call. Default {@link RefusedHedge#STOP_HEDGING}. */
  public RefusedHedge whenHedgeRefused() {
    return whenHedgeRefused;
  }

  /** Returns the listeners for started hedges. */
  public List<EventListener<HedgeStartedEvent>> hedgeListeners() {
    return hedgeListeners;
  }

  /** Returns the listeners for every started attempt, the original included. */
  public List<EventListener<AttemptStartedEvent>> attemptListeners() {
    return attemptListeners;
  }

  /** Returns the listeners for completed calls. */
  public List<EventListener<HedgeCompletedEvent>> completionListeners() {
    return completionListeners;
  }

  /** Returns the listeners for discarded results. */
  public List<EventListener<ResultDiscardedEvent>> discardListeners() {
    return discardListeners;
  }

  @Override
  public String toString() {
    return "HedgePolicy{maxAttempts=" + maxAttempts + ", delay=" + delay + ", deadline=" + deadline
        + ", maxServerDelay=" + maxServerDelay + ", admission=" + admission + ", whenHedgeRefused=" + whenHedgeRefused + "}";
  }

  /** Builds a {@link HedgePolicy}. Not thread-safe. */
  public static final class Builder {
    private int maxAttempts = 2;
    private final HedgeDelay delay;
    private Duration deadline;
    private Duration maxServerDelay = Duration.ofSeconds(60);
    private RetryAdmission admission = RetryAdmission.always();
    private RefusedHedge whenHedgeRefused = RefusedHedge.STOP_HEDGING;
    private final List<EventListener<HedgeStartedEvent>> hedgeListeners = new ArrayList<>();
    private final List<EventListener<AttemptStartedEvent>> attemptListeners = new ArrayList<>();
    private final List<EventListener<HedgeCompletedEvent>> completionListeners = new ArrayList<>();
    private final List<EventListener<ResultDiscardedEvent>> discardListeners = new ArrayList<>();

    private Builder(HedgeDelay delay) {
      this.delay = Checks.notNull(delay, "delay");
    }

    /**
     * Sets the most attempts a call may start, counting the original. Default 2.
     *
     * @throws IllegalArgumentException if outside [1, 10]
     */
    public Builder maxAttempts(int maxAttempts) {
      Checks.argument(
          maxAttempts >= 1 && maxAttempts <= MAX_ATTEMPTS_LIMIT, "maxAttempts must be in [1, %s]: %s", MAX_ATTEMPTS_LIMIT, maxAttempts);
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the time limit for the whole call. When it passes the call ends with {@link
     * RetriesExhaustedException} ({@link GiveUpReason#DEADLINE}) and every attempt still running
     * is cancelled. Default: none.
     *
     * @throws IllegalArgumentException if {@code deadline} is not positive
     * @throws NullPointerException if {@code deadline} is null
     */
    public Builder deadline(Duration deadline) {
      this.deadline = Checks.positive(deadline, "deadline");
      return this;
    }

    /**
     * Sets the cap on a server-hinted hedge delay: a peer cannot hold the next hedge back longer
     * than this. Default 60 s.
     *
     * @throws IllegalArgumentException if {@code maxServerDelay} is negative
     * @throws NullPointerException if {@code maxServerDelay} is null
     */
    public Builder maxServerDelay(Duration maxServerDelay) {
      this.maxServerDelay = Checks.nonNegative(maxServerDelay, "maxServerDelay");
      return this;
    }

    /**
     * Sets the admission every hedge must pass (a {@link RetryBudget}). Default: admit all.
     *
     * @throws NullPointerException if null
     */
    public Builder admission(RetryAdmission admission) {
      this.admission = Checks.notNull(admission, "admission");
      return this;
    }

    /**
     * Sets what a hedge the admission refuses does: {@link RefusedHedge#STOP_HEDGING} (the
     * default: the call ends with what is running) or {@link RefusedHedge#KILL_CALL} (every
     * attempt cancelled, the call fails with {@link CallKilledException}).
     *
     * @throws NullPointerException if null
     */
    public Builder whenHedgeRefused(RefusedHedge whenRefused) {
      this.whenHedgeRefused = Checks.notNull(whenRefused, "whenHedgeRefused");
      return this;
    }

    /** Adds a listener for started hedges. */
    public Builder onHedge(EventListener<HedgeStartedEvent> listener) {
      hedgeListeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /** Adds a listener for every attempt that starts, the original included. */
    public Builder onAttempt(EventListener<AttemptStartedEvent> listener) {
      attemptListeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /** Adds a listener for completed calls. */
    public Builder onComplete(EventListener<HedgeCompletedEvent> listener) {
      completionListeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /** Adds a listener for discarded results (losers' late answers, retried failures). */
    public Builder onDiscard(EventListener<ResultDiscardedEvent> listener) {
      discardListeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /** Builds the policy. */
    public HedgePolicy build() {
      return new HedgePolicy(this);
    }
  }
}
