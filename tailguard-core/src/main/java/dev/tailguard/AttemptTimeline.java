package dev.tailguard;

import dev.tailguard.internal.Checks;
import dev.tailguard.internal.Durations;
import dev.tailguard.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The attempt timeline of one call, like brpc's rpcz: when each attempt started and ended, how it
 * ended, which one won, and why each later attempt started. Recorded only when asked for, per
 * call, on success as on failure.
 *
 * <pre>{@code
 * AttemptTimeline timeline = AttemptTimeline.start(clock);
 * CompletableFuture<String> call = timeline.finish(hedge.executeAsync(timeline.observe(attempt, handler), handler));
 * call.whenComplete((r, e) -> log.debug("{}", timeline.render()));
 * }</pre>
 *
 * <pre>
 * call 25.3ms, 2 attempts, won by #2
 *   #1  +0µs      100ms  CANCELLED        first attempt
 *   #2  +10ms     15.3ms SUCCESS    WON   hedge: #1 outstanding for 10ms
 * </pre>
 *
 * <p>Thread-safe: attempts of one call may complete on different threads.
 *
 * @since 0.1
 */
public final class AttemptTimeline {
  /** How an attempt ended. */
  public enum Outcome {
    /** Still running when the timeline was read. */
    RUNNING,
    /** Classified a success. */
    SUCCESS,
    /** A retryable failure. */
    RETRYABLE,
    /** A non-retryable failure or result. */
    NON_RETRYABLE,
    /** Cancelled: a hedge that lost, a timeout, the caller giving up. */
    CANCELLED
  }

  /** One attempt. Immutable snapshot. */
  public static final class Entry {
    private final int attempt;
    private final long startNanos;
    private final long endNanos;
    private final Outcome outcome;
    private final boolean won;
    private final String why;

    Entry(int attempt, long startNanos, long endNanos, Outcome outcome, boolean won, String why) {
      this.attempt = attempt;
      this.startNanos = startNanos;
      this.endNanos = endNanos;
      this.outcome = outcome;
      this.won = won;
      this.why = why;
    }

    /** Returns the attempt's number, from 1. */
    public int attempt() {
      return attempt;
    }

    /** Returns when it started, relative to the timeline's start, in nanoseconds. */
    public long startNanos() {
      return startNanos;
    }

    /** Returns when it ended, relative to the timeline's start, or -1 while running. */
    public long endNanos() {
      return endNanos;
    }

    /** Returns how it ended. */
    public Outcome outcome() {
      return outcome;
    }

    /** Returns whether its outcome became the call's. */
    public boolean won() {
      return won;
    }

    /** Returns why it started: "first attempt", "after #1 failed, waited 50ms", "hedge: #1 outstanding for 10ms". */
    public String why() {
      return why;
    }
  }

  private final Clock clock;
  private final long originNanos;
  // Guarded by this.
  private final List<Record> records = new ArrayList<>();
  private long endNanos = -1;
  private Object finalResult;
  private Throwable finalError;

  private static final class Record {
    final int attempt;
    final long start;
    long end = -1;
    Outcome outcome = Outcome.RUNNING;
    Object result;
    Throwable error;

    Record(int attempt, long start) {
      this.attempt = attempt;
      this.start = start;
    }
  }

  private AttemptTimeline(Clock clock) {
    this.clock = clock;
    this.originNanos = clock.nanoTime();
  }

  /** Starts a timeline for one call, now. */
  public static AttemptTimeline start(Clock clock) {
    return new AttemptTimeline(Checks.notNull(clock, "clock"));
  }

  /** Wraps a call's asynchronous attempts so that each is recorded. */
  public <T> AsyncAttempt<T> observe(AsyncAttempt<T> attempt, OutcomeHandler<? super T> handler) {
    Checks.notNull(attempt, "attempt");
    Checks.notNull(handler, "handler");
    return context -> {
      Record record = begin(context);
      CompletionStage<T> stage;
      try {
        stage = attempt.start(context);
      } catch (RuntimeException | Error e) {
        end(record, handler, null, e);
        throw e;
      }
      stage.whenComplete((result, error) -> end(record, handler, result, unwrap(error)));
      return stage;
    };
  }

  /** Wraps a call's synchronous attempts so that each is recorded. */
  public <T> AttemptCallable<T> observe(AttemptCallable<T> attempt, OutcomeHandler<? super T> handler) {
    Checks.notNull(attempt, "attempt");
    Checks.notNull(handler, "handler");
    return context -> {
      Record record = begin(context);
      try {
        T result = attempt.call(context);
        end(record, handler, result, null);
        return result;
      } catch (Exception | Error e) {
        end(record, handler, null, e);
        throw e;
      }
    };
  }

  /** Marks the call's end when {@code call} completes, to know which attempt won. Returns {@code call}. */
  public <T> CompletableFuture<T> finish(CompletableFuture<T> call) {
    call.whenComplete((result, error) -> {
      synchronized (this) {
        endNanos = clock.nanoTime() - originNanos;
        finalResult = result;
        finalError = unwrap(error);
      }
    });
    return call;
  }

  /** Marks the call's end for a synchronous call that returned {@code result} or threw {@code error}. */
  public synchronized void finish(Object result, Throwable error) {
    endNanos = clock.nanoTime() - originNanos;
    finalResult = result;
    finalError = error;
  }

  private synchronized Record begin(AttemptContext context) {
    Record record = new Record(context.attempt(), clock.nanoTime() - originNanos);
    records.add(record);
    context.onCancel(() -> cancelled(record));
    return record;
  }

  private synchronized void cancelled(Record record) {
    if (record.end < 0) {
      record.end = clock.nanoTime() - originNanos;
      record.outcome = Outcome.CANCELLED;
    }
  }

  private <T> void end(Record record, OutcomeHandler<? super T> handler, T result, Throwable error) {
    Outcome outcome;
    if (error instanceof CancellationException) {
      outcome = Outcome.CANCELLED;
    } else {
      Verdict verdict;
      try {
        verdict = handler.classifier().classify(result, error);
      } catch (RuntimeException e) {
        verdict = Verdict.NON_RETRYABLE;
      }
      outcome = verdict == Verdict.SUCCESS ? Outcome.SUCCESS : verdict == Verdict.RETRYABLE ? Outcome.RETRYABLE : Outcome.NON_RETRYABLE;
    }
    synchronized (this) {
      // A cancel hook may have ended it already; the cancellation is what happened to the call.
      if (record.end >= 0) {
        return;
      }
      record.end = clock.nanoTime() - originNanos;
      record.outcome = outcome;
      record.result = result;
      record.error = error;
    }
  }

  /** Returns a snapshot of the attempts, in start order. */
  public synchronized List<Entry> entries() {
    List<Entry> entries = new ArrayList<>(records.size());
    Record winner = winnerRecord();
    for (Record record : records) {
      entries.add(new Entry(record.attempt, record.start, record.end, record.outcome, record == winner, why(record)));
    }
    return entries;
  }

  /** Returns the winning attempt's number, when the call has finished and one attempt's outcome is the call's. */
  public synchronized Optional<Integer> winner() {
    Record winner = winnerRecord();
    return winner == null ? Optional.empty() : Optional.of(winner.attempt);
  }

  // Guarded by this.
  private Record winnerRecord() {
    if (endNanos < 0) {
      return null;
    }
    for (Record record : records) {
      boolean same = finalError == null ? record.outcome != Outcome.CANCELLED && record.result == finalResult && record.error == null
          : record.error == finalError;
      if (same && record.end >= 0) {
        return record;
      }
    }
    return null;
  }

  // Guarded by this. Why an attempt started, read from what the earlier attempts were doing then.
  private String why(Record record) {
    if (record.attempt == 1) {
      return "first attempt";
    }
    Record outstanding = null;
    Record failed = null;
    for (Record earlier : records) {
      if (earlier == record || earlier.start > record.start) {
        continue;
      }
      boolean running = earlier.end < 0 || earlier.end > record.start;
      if (running) {
        outstanding = earlier;
      } else if (failed == null || earlier.end >= failed.end) {
        failed = earlier;
      }
    }
    if (failed != null && (outstanding == null || failed.end >= outstanding.start)) {
      return "after #" + failed.attempt + " failed, waited " + Durations.format(record.start - failed.end);
    }
    if (outstanding != null) {
      return "hedge: #" + outstanding.attempt + " outstanding for " + Durations.format(record.start - outstanding.start);
    }
    return "attempt " + record.attempt;
  }

  /** Renders the compact text timeline. */
  public synchronized String render() {
    StringBuilder text = new StringBuilder("call ");
    text.append(endNanos < 0 ? "running" : Durations.format(endNanos)).append(", ").append(records.size())
        .append(records.size() == 1 ? " attempt" : " attempts");
    Record winner = winnerRecord();
    text.append(winner != null ? ", won by #" + winner.attempt : endNanos < 0 ? "" : ", no winner");
    for (Record record : records) {
      String duration = record.end < 0 ? "running" : Durations.format(record.end - record.start);
      text.append(String.format("%n  #%-2d +%-9s %-9s %-13s %-4s %s", record.attempt, Durations.format(record.start), duration,
          record.outcome, record == winner ? "WON" : "", why(record)));
    }
    return text.toString();
  }

  @Override
  public String toString() {
    return render();
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
