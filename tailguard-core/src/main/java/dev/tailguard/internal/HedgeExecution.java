package dev.tailguard.internal;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.AttemptRecord;
import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.BudgetExhaustedException;
import dev.tailguard.CallKilledException;
import dev.tailguard.GiveUpReason;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.TailguardRejection;
import dev.tailguard.Verdict;
import dev.tailguard.event.AttemptStartedEvent;
import dev.tailguard.event.HedgeCompletedEvent;
import dev.tailguard.event.HedgeStartedEvent;
import dev.tailguard.event.ResultDiscardedEvent;
import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * One hedged call.
 *
 * <p>Design note. A hedged call runs up to {@code maxAttempts} copies of one request at once and
 * must end with exactly one outcome while every other copy is cancelled and cleaned up. Three
 * kinds of event race: attempts completing (on any thread), the hedge timer firing (on the
 * scheduler's thread), and the caller cancelling the returned future.
 *
 * <p>State (all guarded by {@code lock}, a per-call {@link ReentrantLock}, so virtual threads
 * never pin):
 *
 * <ul>
 *   <li>{@code flights}: every attempt started, in order; {@code started == flights.size()}.
 *   <li>{@code running}: attempts started and not yet settled (completed or cancelled).
 *   <li>{@code done}: the call's outcome is decided; no attempt may start after it is set.
 *   <li>{@code stopped}: why no new hedge may start (the budget refused one, the server said stop
 *       or hinted past the deadline); the call then ends with what is running.
 *   <li>{@code hedgeTimer}: the pending timer for the next hedge (timed or server-hinted), or null.
 *   <li>{@code postponed}: a server hint holds the next hedge until its timer fires.
 *   <li>{@code deadlineTimer}: the call's deadline, when the policy has one.
 * </ul>
 *
 * <p>Invariants: each flight is settled exactly once (its {@code settled} flag flips under the
 * lock), so its latency is recorded once, its cancel hook and discard run at most once, and
 * {@code running} never goes negative. {@code done} flips once, under the lock, by the winner,
 * the all-failed path or the kill path; whoever flips it snapshots the unsettled flights and the
 * timer and cancels them after unlocking.
 *
 * <p>User code — starting an attempt, classifiers, listeners, cancel hooks, discard hooks — never
 * runs under the lock: decisions are taken under it, effects after it.
 */
public final class HedgeExecution<T> {
  private final HedgePolicy policy;
  private final Clock clock;
  private final Scheduler scheduler;
  private final RandomGenerator random;
  private final AsyncAttempt<T> attempt;
  private final OutcomeHandler<? super T> handler;
  private final CompletableFuture<T> promise = new CompletableFuture<>();
  private final long startNanos;
  /** The call's deadline relative to its start, or -1 for none. */
  private final long deadlineNanos;
  private final long maxServerDelayNanos;
  private final ReentrantLock lock = new ReentrantLock();

  // Guarded by lock.
  private final List<Flight<T>> flights = new ArrayList<>(2);
  private int running;
  private boolean done;
  /** Why no new hedge may start (budget, server, deadline, scheduler), or null while hedges may. */
  private GiveUpReason stopped;
  private Cancellable hedgeTimer;
  /** A server hint holds the next hedge until its timer fires; no other trigger starts it sooner. */
  private boolean postponed;
  /** Counts server hints, so that the timer of a superseded hint does nothing. */
  private int hintGeneration;
  private Cancellable deadlineTimer;
  private List<AttemptRecord> failures;
  private T lastRetryableResult;
  /** The attempt that produced {@code lastRetryableResult}: hedges answer out of order. */
  private int lastRetryableAttempt;
  private Throwable lastError;
  private BudgetExhaustedException denial;
  /** A hedge refused below the engine (a breaker) while others ran, attached to a give-up. */
  private Throwable rejection;
  /** The identity the admission sees, or {@link CallIds#NONE} until the call first asks. */
  private long callId;

  private HedgeExecution(
      HedgePolicy policy,
      Clock clock,
      Scheduler scheduler,
      RandomGenerator random,
      AsyncAttempt<T> attempt,
      OutcomeHandler<? super T> handler) {
    this.policy = policy;
    this.clock = clock;
    this.scheduler = scheduler;
    this.random = random;
    this.attempt = attempt;
    this.handler = handler;
    this.startNanos = clock.nanoTime();
    this.deadlineNanos = policy.deadline().map(Durations::toNanosSaturated).orElse(-1L);
    this.maxServerDelayNanos = Durations.toNanosSaturated(policy.maxServerDelay());
  }

  /** Starts the call; the first attempt begins before this returns. */
  public static <T> CompletableFuture<T> start(
      HedgePolicy policy,
      Clock clock,
      Scheduler scheduler,
      RandomGenerator random,
      AsyncAttempt<T> attempt,
      OutcomeHandler<? super T> handler) {
    BudgetExhaustedException refused = Outcomes.refuseFirstAttempt(policy.admission());
    if (refused != null) {
      return CompletableFuture.failedFuture(refused);
    }
    HedgeExecution<T> call = new HedgeExecution<>(policy, clock, scheduler, random, attempt, handler);
    // Any completion by the future's holder (cancel, complete, orTimeout) kills the call; after the
    // engine's own completion kill() finds the call already done and does nothing.
    call.promise.whenComplete((result, error) -> call.kill());
    if (call.deadlineNanos >= 0 && !call.armDeadline()) {
      return call.promise;
    }
    call.launch(null);
    return call.promise;
  }

  /** Sets the call's deadline timer; false (and the call failed) when the scheduler refuses it. */
  private boolean armDeadline() {
    Cancellable timer;
    try {
      // A deadline a shut-down executor drops is enforced by nobody: the call ends then.
      timer = scheduler.schedule(LossAware.of(this::onDeadline, lost -> giveUp(GiveUpReason.SCHEDULER_REJECTED)),
          Duration.ofNanos(deadlineNanos));
    } catch (RejectedExecutionException rejected) {
      // A deadline nobody enforces is a broken promise: refuse the call before it sends anything.
      lock.lock();
      try {
        done = true;
      } finally {
        lock.unlock();
      }
      promise.completeExceptionally(new RetriesExhaustedException(GiveUpReason.SCHEDULER_REJECTED, List.of(), rejected, null));
      completed(HedgeCompletedEvent.Outcome.ALL_FAILED, 0);
      return false;
    }
    boolean stale;
    lock.lock();
    try {
      stale = done;
      if (!stale) {
        deadlineTimer = timer;
      }
    } finally {
      lock.unlock();
    }
    if (stale) {
      timer.cancel();
    }
    return true;
  }

  /** The deadline passed: the call ends now, every attempt still running is cancelled. */
  private void onDeadline() {
    giveUp(GiveUpReason.DEADLINE);
  }

  /** Starts the next attempt; {@code trigger} is null for the original. */
  private void launch(HedgeStartedEvent.Trigger trigger) {
    Flight<T> flight;
    lock.lock();
    try {
      if (done || flights.size() >= policy.maxAttempts()) {
        return;
      }
      long now = clock.nanoTime();
      flight = new Flight<>(flights.size() + 1, now, deadlineNanos < 0 ? -1 : Math.max(0, deadlineNanos - (now - startNanos)));
      flights.add(flight);
      running++;
    } finally {
      lock.unlock();
    }
    if (!policy.attemptListeners().isEmpty()) {
      Listeners.fire(policy.attemptListeners(), new AttemptStartedEvent(flight.number,
          trigger == null ? AttemptStartedEvent.Kind.FIRST : AttemptStartedEvent.Kind.HEDGE, Duration.ofNanos(flight.startNanos - startNanos)));
    }
    if (trigger != null && !policy.hedgeListeners().isEmpty()) {
      Listeners.fire(policy.hedgeListeners(), new HedgeStartedEvent(flight.number, trigger, Duration.ofNanos(flight.startNanos - startNanos)));
    }
    // A listener may have ended the call just now (re-entrantly): start nothing after it ended.
    // Checked only when one fired, so that the path without listeners takes no second lock.
    if ((!policy.attemptListeners().isEmpty() || (trigger != null && !policy.hedgeListeners().isEmpty())) && isSettled(flight)) {
      return;
    }
    CompletionStage<T> stage;
    try {
      stage = attempt.start(flight.context);
      if (stage == null) {
        throw new NullPointerException("attempt " + flight.number + " returned a null CompletionStage");
      }
    } catch (Throwable t) {
      stage = CompletableFuture.failedFuture(t);
    }
    flight.future = Futures.toFuture(stage);
    // Cancelled while starting (a sibling won meanwhile): cancel the future we just learned of.
    if (flight.context.isCancelled()) {
      Futures.cancelQuietly(flight.future);
    }
    stage.whenComplete((result, error) -> onComplete(flight, result, Futures.unwrap(error)));
    armNextHedge(flight.number);
    // Only now may a layer below time the attempt out: its timer's effect reaches onComplete.
    flight.context.subscribed();
  }

  private void armNextHedge(int afterAttempt) {
    if (afterAttempt >= policy.maxAttempts()) {
      return;
    }
    long delay;
    try {
      delay = policy.delay().delayNanos(afterAttempt, random);
    } catch (RuntimeException e) {
      Listeners.warn("Tailguard hedge delay threw; no timed hedge", e);
      return;
    }
    if (delay < 0) {
      return;
    }
    Cancellable timer;
    try {
      timer = scheduler.schedule(() -> onHedgeTimer(afterAttempt + 1), Duration.ofNanos(delay));
    } catch (RejectedExecutionException rejected) {
      // Without a timer the call still completes through its running attempt.
      Listeners.warn("Tailguard scheduler rejected a hedge timer; no timed hedge", rejected);
      return;
    }
    boolean stale;
    lock.lock();
    try {
      // A server hint owns the next hedge's timing; a stopped call starts no more hedges.
      stale = done || flights.size() > afterAttempt || postponed || stopped != null;
      if (!stale) {
        hedgeTimer = timer;
      }
    } finally {
      lock.unlock();
    }
    if (stale) {
      timer.cancel();
    }
  }

  private void onHedgeTimer(int nextAttempt) {
    lock.lock();
    try {
      if (done || stopped != null || postponed || flights.size() >= nextAttempt) {
        return;
      }
      hedgeTimer = null;
    } finally {
      lock.unlock();
    }
    if (admitHedge(nextAttempt)) {
      launch(HedgeStartedEvent.Trigger.DELAY);
    }
  }

  /**
   * Asks the budget; a refusal freezes the call, which then ends with what is running, or kills
   * it when the policy says {@link HedgePolicy.RefusedHedge#KILL_CALL}.
   */
  private boolean admitHedge(int nextAttempt) {
    boolean admitted;
    try {
      admitted = policy.admission().admit(callId(), nextAttempt);
    } catch (RuntimeException e) {
      Listeners.warn("Tailguard hedge admission threw; hedge refused", e);
      admitted = false;
    }
    if (admitted) {
      return true;
    }
    if (policy.whenHedgeRefused() == HedgePolicy.RefusedHedge.KILL_CALL) {
      killByRefusal(nextAttempt);
      return false;
    }
    boolean allFailed;
    Cancellable timer;
    lock.lock();
    try {
      if (stopped == null) {
        stopped = GiveUpReason.ADMISSION_DENIED;
      }
      denial = new BudgetExhaustedException(nextAttempt, policy.admission().state());
      // grpc-java #7222: with nothing left running, the refusal must end the call now.
      allFailed = !done && running == 0;
      timer = takeHedgeTimer();
    } finally {
      lock.unlock();
    }
    if (timer != null) {
      timer.cancel();
    }
    if (allFailed) {
      giveUp(GiveUpReason.ADMISSION_DENIED);
    }
    return false;
  }

  private void onComplete(Flight<T> flight, T result, Throwable error) {
    long elapsed = clock.nanoTime() - flight.startNanos;
    boolean late;
    lock.lock();
    try {
      late = flight.settled;
      if (!late) {
        flight.settled = true;
        running--;
      }
    } finally {
      lock.unlock();
    }
    if (late) {
      // A cancelled loser answered anyway: its result is nobody's.
      discard(flight.number, error == null ? result : null, ResultDiscardedEvent.Reason.LATE);
      return;
    }
    record(elapsed, true);
    if (promise.isDone()) {
      discard(flight.number, error == null ? result : null, ResultDiscardedEvent.Reason.CALL_ENDED);
      return;
    }
    Verdict verdict;
    try {
      verdict = RetryRun.classify(policy.admission(), handler.classifier(), result, error);
    } catch (RetryRun.ClassifierFailure failure) {
      discard(flight.number, result, ResultDiscardedEvent.Reason.CALL_ENDED);
      commit(flight, null, failure.getCause(), HedgeCompletedEvent.Outcome.FAILED);
      return;
    }
    if (error instanceof TailguardRejection && refusedWhileOthersRun(error)) {
      return;
    }
    if (verdict == Verdict.SUCCESS) {
      commit(flight, result, null, HedgeCompletedEvent.Outcome.SUCCEEDED);
    } else if (verdict == Verdict.NON_RETRYABLE || error instanceof Error) {
      commit(flight, result, error, HedgeCompletedEvent.Outcome.FAILED);
    } else {
      onRetryableFailure(flight, result, error, elapsed);
    }
  }

  /**
   * A layer below refused this hedge (an open or half-open breaker) while an earlier attempt is
   * still running. Committing to the refusal would cancel that attempt, perhaps the half-open
   * trial itself, which then never reports and the breaker never closes. Like a budget refusal it
   * only stops hedging: the running attempts decide the call, and a give-up carries the refusal
   * as suppressed. Returns false (commit to the refusal) when nothing else is running.
   */
  private boolean refusedWhileOthersRun(Throwable refusal) {
    Cancellable timer;
    lock.lock();
    try {
      if (done || running == 0) {
        return false;
      }
      if (stopped == null) {
        stopped = GiveUpReason.ADMISSION_DENIED;
      }
      if (rejection == null) {
        rejection = refusal;
      }
      timer = takeHedgeTimer();
    } finally {
      lock.unlock();
    }
    if (timer != null) {
      timer.cancel();
    }
    return true;
  }

  private void onRetryableFailure(Flight<T> flight, T result, Throwable error, long elapsed) {
    long hint = readHint(result, error);
    long now = clock.nanoTime();
    boolean startNow;
    boolean armHint = false;
    int generation = 0;
    boolean allFailed;
    GiveUpReason reason;
    Cancellable timer = null;
    T replaced;
    int replacedAttempt;
    lock.lock();
    try {
      if (failures == null) {
        failures = new ArrayList<>(policy.maxAttempts());
      }
      failures.add(new AttemptRecord(flight.number, flight.startNanos - startNanos, elapsed, Verdict.RETRYABLE, error,
          error == null ? summary(result) : null));
      replaced = lastRetryableResult;
      replacedAttempt = lastRetryableAttempt;
      lastRetryableResult = error == null ? result : null;
      lastRetryableAttempt = flight.number;
      lastError = error;
      boolean mayHedge = !done && stopped == null && flights.size() < policy.maxAttempts();
      if (mayHedge && hint != RetryDecider.NO_HINT) {
        // The server decides when (and whether) the next hedge goes: it replaces the pending timer.
        timer = takeHedgeTimer();
        if (hint < 0) {
          stopped = GiveUpReason.SERVER_REFUSED;
        } else if (deadlineNanos >= 0 && hint >= deadlineNanos - (now - startNanos)) {
          stopped = GiveUpReason.DEADLINE;
        } else if (hint > 0) {
          postponed = true;
          generation = ++hintGeneration;
          armHint = true;
        } else {
          postponed = false;
        }
        mayHedge = stopped == null;
      }
      startNow = mayHedge && !postponed;
      if (startNow) {
        timer = takeHedgeTimer();
      }
      allFailed = !done && !mayHedge && running == 0;
      reason = stopped != null && flights.size() < policy.maxAttempts() ? stopped : GiveUpReason.MAX_ATTEMPTS;
    } finally {
      lock.unlock();
    }
    // Only the last retryable result may be returned on give-up; an earlier one is released now.
    discard(replacedAttempt, replaced, ResultDiscardedEvent.Reason.RETRIED);
    if (timer != null) {
      timer.cancel();
    }
    if (armHint) {
      armHintTimer(generation, hint);
    } else if (startNow) {
      // A failure is a better reason to hedge than a timer: start the next attempt at once.
      if (admitHedge(flight.number + 1) && admitNextIsStillUseful()) {
        launch(HedgeStartedEvent.Trigger.FAILURE);
      }
    } else if (allFailed) {
      giveUp(reason);
    }
  }

  /** Reads the handler's server hint: NO_HINT, -1 to stop hedging, or the delay capped by maxServerDelay. */
  private long readHint(T result, Throwable error) {
    long hint = ServerHints.read(handler, result, error, "ignoring the hint");
    // Used exactly, but a peer cannot park the call longer than maxServerDelay.
    return hint < 0 ? hint : Math.min(hint, maxServerDelayNanos);
  }

  /** Starts the timer of a server-hinted hedge; a superseded or stale one cancels itself. */
  private void armHintTimer(int generation, long delayNanos) {
    Cancellable timer;
    try {
      timer = scheduler.schedule(LossAware.of(() -> onHintTimer(generation), lost -> hintTimerRefused(generation, lost)),
          Duration.ofNanos(delayNanos));
    } catch (RejectedExecutionException rejected) {
      hintTimerRefused(generation, rejected);
      return;
    }
    boolean stale;
    Cancellable previous = null;
    lock.lock();
    try {
      stale = done || generation != hintGeneration || !postponed;
      if (!stale) {
        previous = hedgeTimer;
        hedgeTimer = timer;
      }
    } finally {
      lock.unlock();
    }
    if (stale) {
      timer.cancel();
    }
    if (previous != null) {
      previous.cancel();
    }
  }

  /** The scheduler refused or dropped a server-hinted hedge's timer: no more hedges. */
  private void hintTimerRefused(int generation, RejectedExecutionException rejected) {
    Listeners.warn("Tailguard scheduler rejected a server-hinted hedge timer; no more hedges", rejected);
    boolean allFailed;
    lock.lock();
    try {
      if (generation == hintGeneration) {
        postponed = false;
        if (stopped == null) {
          stopped = GiveUpReason.SCHEDULER_REJECTED;
        }
      }
      allFailed = !done && running == 0;
    } finally {
      lock.unlock();
    }
    if (allFailed) {
      giveUp(GiveUpReason.SCHEDULER_REJECTED);
    }
  }

  private void onHintTimer(int generation) {
    lock.lock();
    try {
      if (done || generation != hintGeneration || !postponed) {
        return;
      }
      postponed = false;
      hedgeTimer = null;
      if (stopped != null || flights.size() >= policy.maxAttempts()) {
        return;
      }
    } finally {
      lock.unlock();
    }
    if (admitHedge(flights() + 1)) {
      launch(HedgeStartedEvent.Trigger.SERVER_HINT);
    }
  }

  private boolean isSettled(Flight<T> flight) {
    lock.lock();
    try {
      return flight.settled;
    } finally {
      lock.unlock();
    }
  }

  private int flights() {
    lock.lock();
    try {
      return flights.size();
    } finally {
      lock.unlock();
    }
  }

  // Guarded by lock. Removes the pending hedge timer and returns it for cancelling.
  private Cancellable takeHedgeTimer() {
    Cancellable timer = hedgeTimer;
    hedgeTimer = null;
    return timer;
  }

  private boolean admitNextIsStillUseful() {
    lock.lock();
    try {
      return !done;
    } finally {
      lock.unlock();
    }
  }

  /** What the thread that decides the call's outcome must clean up, taken under the lock. */
  private static final class Ending<T> {
    final List<Flight<T>> unsettled;
    final Cancellable timer;
    final Cancellable deadlineTimer;
    final T retainedResult;
    /** The attempt that produced {@code retainedResult}. */
    final int retainedAttempt;

    Ending(List<Flight<T>> unsettled, Cancellable timer, Cancellable deadlineTimer, T retainedResult, int retainedAttempt) {
      this.unsettled = unsettled;
      this.timer = timer;
      this.deadlineTimer = deadlineTimer;
      this.retainedResult = retainedResult;
      this.retainedAttempt = retainedAttempt;
    }
  }

  /**
   * Decides the call (sets {@code done}) unless it already is; returns what to clean up, or null
   * when another thread decided first.
   */
  private Ending<T> finish(Flight<T> keep) {
    lock.lock();
    try {
      if (done) {
        return null;
      }
      return endUnderLock(keep);
    } finally {
      lock.unlock();
    }
  }

  // Guarded by lock. Sets done and takes everything the ending thread must clean up.
  private Ending<T> endUnderLock(Flight<T> keep) {
    done = true;
    Ending<T> ending = new Ending<>(unsettledExcept(keep), hedgeTimer, deadlineTimer, lastRetryableResult, lastRetryableAttempt);
    hedgeTimer = null;
    deadlineTimer = null;
    lastRetryableResult = null;
    return ending;
  }

  /** Cancels the timers and the unsettled attempts, and releases a retained retryable result. */
  private void cleanUp(Ending<T> ending, ResultDiscardedEvent.Reason reason) {
    cancelTimers(ending);
    cancelAll(ending.unsettled);
    discard(ending.retainedAttempt, ending.retainedResult, reason);
  }

  private static void cancelTimers(Ending<?> ending) {
    if (ending.timer != null) {
      ending.timer.cancel();
    }
    if (ending.deadlineTimer != null) {
      ending.deadlineTimer.cancel();
    }
  }

  /** The call commits to this flight's outcome; every other flight is cancelled. */
  private void commit(Flight<T> winner, T result, Throwable error, HedgeCompletedEvent.Outcome outcome) {
    Ending<T> ending = finish(winner);
    if (ending == null) {
      discard(winner.number, error == null ? result : null, ResultDiscardedEvent.Reason.CALL_ENDED);
      return;
    }
    cleanUp(ending, ResultDiscardedEvent.Reason.RETRIED);
    boolean delivered;
    if (error != null) {
      attachFailures(error);
      delivered = promise.completeExceptionally(error);
    } else {
      delivered = promise.complete(result);
      if (!delivered) {
        discard(winner.number, result, ResultDiscardedEvent.Reason.CALL_ENDED);
      }
    }
    completed(outcome, winner.number);
  }

  /**
   * The call gives up: every attempt failed retryably, hedging was stopped with nothing left
   * running, or the deadline passed (then the attempts still running are cancelled).
   */
  private void giveUp(GiveUpReason reason) {
    Ending<T> ending;
    List<AttemptRecord> history;
    Throwable last;
    BudgetExhaustedException refused;
    Throwable belowRefusal;
    lock.lock();
    try {
      if (done) {
        return;
      }
      ending = endUnderLock(null);
      history = failures == null ? List.of() : List.copyOf(failures);
      last = lastError;
      refused = denial;
      belowRefusal = rejection;
    } finally {
      lock.unlock();
    }
    cancelTimers(ending);
    cancelAll(ending.unsettled);
    T lastResult = ending.retainedResult;
    if (last == null && lastResult != null && handler.returnLastResultOnGiveUp()) {
      if (!promise.complete(lastResult)) {
        discard(ending.retainedAttempt, lastResult, ResultDiscardedEvent.Reason.CALL_ENDED);
      }
    } else {
      discard(ending.retainedAttempt, lastResult, ResultDiscardedEvent.Reason.GAVE_UP);
      Throwable cause = last;
      if (cause == null && lastResult == null && !ending.unsettled.isEmpty()) {
        // Nothing had failed yet: the oldest attempt still running is the one out of time.
        Flight<T> oldest = ending.unsettled.get(0);
        cause = new AttemptTimeoutException(oldest.number, clock.nanoTime() - oldest.startNanos);
      }
      RetriesExhaustedException failure =
          new RetriesExhaustedException(reason, history, cause, cause == null ? summary(lastResult) : null);
      for (AttemptRecord record : history) {
        record.error().filter(e -> e != last).ifPresent(failure::addSuppressed);
      }
      if (refused != null) {
        failure.addSuppressed(refused);
      }
      if (belowRefusal != null) {
        failure.addSuppressed(belowRefusal);
      }
      promise.completeExceptionally(failure);
    }
    completed(HedgeCompletedEvent.Outcome.ALL_FAILED, 0);
  }

  /** This call's identity for the admission check, assigned when it first asks. */
  private long callId() {
    lock.lock();
    try {
      if (callId == CallIds.NONE) {
        callId = CallIds.next();
      }
      return callId;
    } finally {
      lock.unlock();
    }
  }

  /** The admission refused a hedge and the policy says kill: every attempt is cancelled. */
  private void killByRefusal(int refusedAttempt) {
    Ending<T> ending = finish(null);
    if (ending == null) {
      return;
    }
    cleanUp(ending, ResultDiscardedEvent.Reason.CALL_ENDED);
    CallKilledException killed = new CallKilledException("hedged call killed: the admission refused hedge " + refusedAttempt);
    killed.initCause(new BudgetExhaustedException(refusedAttempt, policy.admission().state()));
    promise.completeExceptionally(killed);
    completed(HedgeCompletedEvent.Outcome.KILLED, 0);
  }

  /** The caller ended the returned future: cancel every attempt and the timers. */
  private void kill() {
    Ending<T> ending = finish(null);
    if (ending != null) {
      cleanUp(ending, ResultDiscardedEvent.Reason.CALL_ENDED);
      completed(HedgeCompletedEvent.Outcome.KILLED, 0);
    }
  }

  // Guarded by lock. Marks the unsettled flights settled and returns them for cancelling.
  private List<Flight<T>> unsettledExcept(Flight<T> keep) {
    List<Flight<T>> unsettled = List.of();
    for (Flight<T> flight : flights) {
      if (flight != keep && !flight.settled) {
        flight.settled = true;
        running--;
        // Most calls end with nothing else in flight: allocate only when there is a loser.
        if (unsettled.isEmpty()) {
          unsettled = new ArrayList<>(flights.size());
        }
        unsettled.add(flight);
      }
    }
    return unsettled;
  }

  private void cancelAll(List<Flight<T>> losers) {
    long now = clock.nanoTime();
    for (Flight<T> loser : losers) {
      // A cancelled attempt's latency is censored: at least this long.
      record(now - loser.startNanos, false);
      loser.context.cancel();
      Futures.cancelQuietly(loser.future);
    }
  }

  private void attachFailures(Throwable error) {
    List<AttemptRecord> history;
    lock.lock();
    try {
      history = failures == null ? List.of() : List.copyOf(failures);
    } finally {
      lock.unlock();
    }
    for (AttemptRecord record : history) {
      record.error().filter(e -> e != error).ifPresent(error::addSuppressed);
    }
  }

  private void completed(HedgeCompletedEvent.Outcome outcome, int winner) {
    if (!policy.completionListeners().isEmpty()) {
      int attempts;
      lock.lock();
      try {
        attempts = flights.size();
      } finally {
        lock.unlock();
      }
      Listeners.fire(policy.completionListeners(),
          new HedgeCompletedEvent(outcome, winner, attempts, Duration.ofNanos(clock.nanoTime() - startNanos)));
    }
  }

  private void record(long nanos, boolean completed) {
    try {
      policy.delay().record(nanos, completed);
    } catch (RuntimeException e) {
      Listeners.warn("Tailguard hedge delay record() threw", e);
    }
  }

  private void discard(int fromAttempt, T result, ResultDiscardedEvent.Reason reason) {
    Outcomes.discard(handler, policy.discardListeners(), fromAttempt, result, reason);
  }

  private String summary(T result) {
    return Outcomes.summary(handler, result);
  }

  /** Releases a value a blocking attempt returned after the engine cancelled its future. */
  public static <T> void discardLate(HedgePolicy policy, OutcomeHandler<? super T> handler, int attempt, T value) {
    Outcomes.discard(handler, policy.discardListeners(), attempt, value, ResultDiscardedEvent.Reason.LATE);
  }

  /** Turns a sync wait's interrupt into the killed outcome. */
  public static CallKilledException killedByInterrupt(InterruptedException interrupted) {
    CallKilledException killed = new CallKilledException("hedged call killed: the waiting thread was interrupted");
    killed.initCause(interrupted);
    return killed;
  }

  /** One attempt. */
  private static final class Flight<T> {
    final int number;
    final long startNanos;
    final CancellableAttempt context;
    volatile CompletableFuture<T> future;
    // Guarded by the execution's lock.
    boolean settled;

    Flight(int number, long startNanos, long timeoutNanos) {
      this.number = number;
      this.startNanos = startNanos;
      this.context = new CancellableAttempt(number, timeoutNanos);
    }
  }
}
