package dev.tailguard.internal;

import dev.tailguard.AttemptRecord;
import dev.tailguard.BudgetExhaustedException;
import dev.tailguard.Classifier;
import dev.tailguard.GiveUpReason;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.RetryAdmission;
import dev.tailguard.RetryPolicy;
import dev.tailguard.TailguardRejection;
import dev.tailguard.Verdict;
import dev.tailguard.event.AttemptStartedEvent;
import dev.tailguard.event.CallFailedEvent;
import dev.tailguard.event.CallSucceededEvent;
import dev.tailguard.event.GiveUpEvent;
import dev.tailguard.event.ResultDiscardedEvent;
import dev.tailguard.event.RetryScheduledEvent;
import dev.tailguard.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The state of one call that has needed more than the fast path: attempt counter, backoff
 * position, history, and the events. Shared by the synchronous and asynchronous loops.
 *
 * <p>Not thread-safe, and it need not be: attempts of one retried call never overlap, and each
 * hand-off (a future completing, a timer firing) orders the accesses.
 */
public final class RetryRun<T> {
  private static final long UNKNOWN = RetryDecider.UNKNOWN;

  private final RetryPolicy policy;
  private final OutcomeHandler<? super T> handler;
  private final Clock clock;
  private final RandomGenerator random;
  /** When the call started, or {@link #UNKNOWN} if the first attempt ran without a clock read. */
  private final long startNanos;
  /** The clock reading the history's offsets are relative to. */
  private final long originNanos;

  private int attempt;
  private long attemptStartNanos = UNKNOWN;
  private int backoffIndex;
  private long previousDelayNanos;
  private AttemptHistory history;
  /** The budget's refusal of the next retry, attached to the give-up. */
  private BudgetExhaustedException denial;
  /** The identity the admission sees, or {@link CallIds#NONE} until the call first asks. */
  private long callId;

  /** Starts the state of a call whose first attempt has not run yet. */
  public static <T> RetryRun<T> beforeFirstAttempt(
      RetryPolicy policy, OutcomeHandler<? super T> handler, Clock clock, RandomGenerator random) {
    long now = clock.nanoTime();
    return new RetryRun<>(policy, handler, clock, random, now, now, 0);
  }

  /**
   * Starts the state of a call whose first attempt ran on the fast path without a clock read; its
   * history offsets count from now.
   */
  public static <T> RetryRun<T> afterUntimedFirstAttempt(
      RetryPolicy policy, OutcomeHandler<? super T> handler, Clock clock, RandomGenerator random) {
    return new RetryRun<>(policy, handler, clock, random, UNKNOWN, clock.nanoTime(), 1);
  }

  private RetryRun(
      RetryPolicy policy,
      OutcomeHandler<? super T> handler,
      Clock clock,
      RandomGenerator random,
      long startNanos,
      long originNanos,
      int attempt) {
    this.policy = policy;
    this.handler = handler;
    this.clock = clock;
    this.random = random;
    this.startNanos = startNanos;
    this.originNanos = originNanos;
    this.attempt = attempt;
  }

  /** Whether a call under this policy must read the clock before its first attempt. */
  public static boolean needsClockBeforeFirstAttempt(RetryPolicy policy) {
    return policy.deadline().isPresent()
        || policy.perAttemptTimeout().isPresent()
        || !policy.attemptListeners().isEmpty()
        || !policy.successListeners().isEmpty()
        || !policy.failureListeners().isEmpty()
        || !policy.giveUpListeners().isEmpty();
  }

  /** Counts a new attempt and notes its start; returns its number. */
  public int beginAttempt() {
    attempt++;
    attemptStartNanos = clock.nanoTime();
    if (!policy.attemptListeners().isEmpty()) {
      Listeners.fire(policy.attemptListeners(), new AttemptStartedEvent(attempt,
          attempt == 1 ? AttemptStartedEvent.Kind.FIRST : AttemptStartedEvent.Kind.RETRY,
          startNanos == UNKNOWN ? null : Duration.ofNanos(attemptStartNanos - startNanos)));
    }
    return attempt;
  }

  public int attempt() {
    return attempt;
  }

  /** How long the current attempt may take: min(per-attempt timeout, time left); -1 for no limit. */
  public long allowanceNanos() {
    long allowance = -1;
    if (policy.perAttemptTimeout().isPresent()) {
      allowance = Durations.toNanosSaturated(policy.perAttemptTimeout().get());
    }
    if (policy.deadline().isPresent()) {
      long left = Durations.toNanosSaturated(policy.deadline().get()) - elapsedNanos(attemptStartNanos);
      allowance = allowance < 0 ? Math.max(0, left) : Math.max(0, Math.min(allowance, left));
    }
    return allowance;
  }

  /** How long the current attempt has run so far. */
  public long attemptElapsedNanos() {
    return attemptStartNanos == UNKNOWN ? UNKNOWN : clock.nanoTime() - attemptStartNanos;
  }

  /**
   * Classifies an outcome and tells the admission (budget) about it. A classifier that throws
   * turns its exception into a final failure, thrown as {@link ClassifierFailure}. A {@link
   * TailguardRejection} (open circuit, budget refusal) is final whatever the classifier says, and
   * the budget does not hear of it: no backend was asked.
   */
  public static <T> Verdict classify(
      RetryAdmission admission, Classifier<? super T> classifier, T result, Throwable error) {
    // Retrying Tailguard's own refusal would only drain the budget without reaching a backend.
    if (error instanceof TailguardRejection) {
      return Verdict.NON_RETRYABLE;
    }
    Verdict verdict;
    try {
      verdict = classifier.classify(result, error);
      if (verdict == null) {
        throw new NullPointerException("classifier returned null for " + (error != null ? error : "a result"));
      }
    } catch (RuntimeException | Error classifierFailure) {
      throw new ClassifierFailure(classifierFailure);
    }
    try {
      admission.record(verdict);
    } catch (RuntimeException e) {
      Listeners.warn("Tailguard admission record() threw; outcome not counted", e);
    }
    return verdict;
  }

  /** Asks the policy's admission whether a new call may start; the refusal to throw, or null. */
  public static BudgetExhaustedException refuseFirstAttempt(RetryPolicy policy) {
    return Outcomes.refuseFirstAttempt(policy.admission());
  }

  /**
   * Records a failed attempt in the history and decides what follows it. Consults the server
   * hint and, for a retry, the admission check.
   */
  public RetryDecision afterFailure(Verdict verdict, T result, Throwable error) {
    long now = clock.nanoTime();
    record(verdict, result, error, now);
    long hint = verdict == Verdict.RETRYABLE ? readHint(result, error) : RetryDecider.NO_HINT;
    RetryDecision decision =
        RetryDecider.decide(
            policy,
            verdict,
            error instanceof Error,
            attempt,
            startNanos == UNKNOWN ? UNKNOWN : now - startNanos,
            hint,
            backoffIndex,
            previousDelayNanos,
            random);
    if (decision.action() != RetryDecision.Action.RETRY) {
      return decision;
    }
    // The budget is asked last, so a retry that the deadline forbids never spends a token.
    if (!admit(attempt + 1)) {
      denial = new BudgetExhaustedException(attempt + 1, policy.admission().state());
      return RetryDecision.giveUp(GiveUpReason.ADMISSION_DENIED);
    }
    backoffIndex = decision.nextBackoffIndex();
    previousDelayNanos = decision.nextPreviousDelayNanos();
    return decision;
  }

  private boolean admit(int nextAttempt) {
    try {
      if (callId == CallIds.NONE) {
        callId = CallIds.next();
      }
      return policy.admission().admit(callId, nextAttempt);
    } catch (RuntimeException e) {
      // A broken admission check must fail safe: no retry rather than a storm.
      Listeners.warn("Tailguard retry admission check threw; retry refused", e);
      return false;
    }
  }

  private long readHint(T result, Throwable error) {
    return ServerHints.read(handler, result, error, "using the backoff");
  }

  private void record(Verdict verdict, T result, Throwable error, long now) {
    if (history == null) {
      history = new AttemptHistory();
    }
    // The untimed first attempt ended at the origin: offset 0, duration unknown.
    boolean untimed = attemptStartNanos == UNKNOWN;
    long start = untimed ? 0 : attemptStartNanos - originNanos;
    long duration = untimed ? UNKNOWN : now - attemptStartNanos;
    history.add(new AttemptRecord(attempt, start, duration, verdict, error, error == null ? summary(result) : null));
  }

  /** Summarises a result for the history, never failing. */
  public String summary(T result) {
    return Outcomes.summary(handler, result);
  }

  /** Releases a result nobody will receive and tells the listeners. */
  public void discard(int fromAttempt, T result, ResultDiscardedEvent.Reason reason) {
    Outcomes.discard(handler, policy.discardListeners(), fromAttempt, result, reason);
  }

  public void onRetryScheduled(RetryDecision decision, T result, Throwable error) {
    if (!policy.retryListeners().isEmpty()) {
      Listeners.fire(
          policy.retryListeners(),
          new RetryScheduledEvent(
              attempt,
              Duration.ofNanos(decision.delayNanos()),
              decision.serverHinted(),
              error,
              error == null ? summary(result) : null));
    }
  }

  public void onSuccess() {
    if (!policy.successListeners().isEmpty()) {
      Listeners.fire(policy.successListeners(), new CallSucceededEvent(attempt, elapsed()));
    }
  }

  /** Attaches earlier attempts' errors to a final error and reports the failure. */
  public Throwable onFailure(Throwable error) {
    if (error != null) {
      attachEarlierErrors(error, error);
    }
    if (!policy.failureListeners().isEmpty()) {
      Listeners.fire(policy.failureListeners(), new CallFailedEvent(attempt, elapsed(), error));
    }
    return error;
  }

  /** Builds the give-up exception (with history) and reports it. */
  public RetriesExhaustedException onGiveUp(
      GiveUpReason reason, T lastResult, Throwable lastError, Throwable extraSuppressed) {
    RetriesExhaustedException failure =
        new RetriesExhaustedException(
            reason, history == null ? List.of() : history.kept(), history == null ? 0 : history.omitted(),
            lastError, lastError == null ? summary(lastResult) : null);
    attachEarlierErrors(failure, lastError);
    if (extraSuppressed != null) {
      failure.addSuppressed(extraSuppressed);
    }
    if (reason == GiveUpReason.ADMISSION_DENIED && denial != null) {
      failure.addSuppressed(denial);
    }
    if (!policy.giveUpListeners().isEmpty()) {
      Listeners.fire(policy.giveUpListeners(), new GiveUpEvent(reason, elapsed(), failure));
    }
    return failure;
  }

  private void attachEarlierErrors(Throwable target, Throwable last) {
    if (history == null) {
      return;
    }
    // Only the kept attempts' errors: a bounded history means bounded suppressed exceptions.
    List<AttemptRecord> kept = history.kept();
    for (int i = 0; i < kept.size(); i++) {
      Throwable earlier = kept.get(i).error().orElse(null);
      // addSuppressed refuses self-suppression; the same instance can be thrown twice.
      if (earlier != null && earlier != last && earlier != target) {
        target.addSuppressed(earlier);
      }
    }
  }

  private Duration elapsed() {
    long from = startNanos == UNKNOWN ? originNanos : startNanos;
    return Duration.ofNanos(clock.nanoTime() - from);
  }

  private long elapsedNanos(long now) {
    return startNanos == UNKNOWN ? 0 : now - startNanos;
  }

  /** Carries an exception thrown by a user's classifier out of {@link #classify}. */
  public static final class ClassifierFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ClassifierFailure(Throwable cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }
}
