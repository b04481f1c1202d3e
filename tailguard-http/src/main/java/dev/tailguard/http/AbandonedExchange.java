package dev.tailguard.http;

import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ends one JDK exchange that nobody waits for any more (a hedge loser, a timed-out attempt, a
 * cancelled call) without leaving it open and without flooding the server with HTTP/2 resets.
 *
 * <ul>
 *   <li>An exchange whose body already ended needs nothing: it completes by itself.
 *   <li>Over HTTP/1.1 it is cancelled at once, which closes its connection (no reset involved).
 *   <li>Over HTTP/2 (or a client that may speak it) a cancel resets the stream, and servers meet
 *       many resets a second with GOAWAY. So it is reset only with a token from the client's
 *       {@link ResetBudget}; without one it is drained: it runs on, its body discarded if its
 *       headers arrive later, until it ends by itself or a token comes. A loser whose small
 *       declared body is on its way first gets {@link #GRACE} to end.
 *   <li>Draining is bounded: once more than {@code maxDrainBytes} of its body arrived, or {@link
 *       #DRAIN_LIMIT} after it was abandoned, it is reset whatever the budget says (a forced
 *       reset, which the budget charges to the resets that follow).
 * </ul>
 *
 * <p>Every timer it sets is cancelled when the exchange completes. Thread-safe.
 */
final class AbandonedExchange {
  /** How long an abandoned HTTP/2 exchange whose small body is arriving may take to end unreset. */
  static final Duration GRACE = Duration.ofMillis(100);
  /** How long an abandoned HTTP/2 exchange may be drained before it is reset regardless. */
  static final Duration DRAIN_LIMIT = Duration.ofSeconds(1);

  private final boolean http2Possible;
  private final long maxDrainBytes;
  private final ResetBudget budget;
  private final Clock clock;
  private final Scheduler scheduler;
  private final AtomicLong bodyBytes = new AtomicLong();
  private volatile boolean bodyEnded;
  private volatile HttpResponse.ResponseInfo head;
  private volatile boolean abandoned;
  private CompletableFuture<?> exchange;
  private long abandonedAt;
  private Cancellable timer;
  private boolean settled;

  AbandonedExchange(boolean http2Possible, long maxDrainBytes, ResetBudget budget, Clock clock, Scheduler scheduler) {
    this.http2Possible = http2Possible;
    this.maxDrainBytes = maxDrainBytes;
    this.budget = budget;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  /** The exchange to end; its completion cancels any timer. Called once, before {@link #abandon}. */
  synchronized void attach(CompletableFuture<?> exchange) {
    this.exchange = exchange;
    exchange.whenComplete((response, error) -> settle());
  }

  /** The response head arrived. */
  void head(HttpResponse.ResponseInfo info) {
    head = info;
  }

  /** Whether the attempt was abandoned: a head arriving now gets a discarding body. */
  boolean isAbandoned() {
    return abandoned;
  }

  /** Body bytes arrived; an abandoned exchange over {@code maxDrainBytes} is reset. */
  void bytes(long count) {
    long total = bodyBytes.addAndGet(count);
    if (abandoned && total > maxDrainBytes) {
      step();
    }
  }

  /** The client signalled the end of the body (complete or failed): nothing to cancel any more. */
  void bodyEnded() {
    bodyEnded = true;
  }

  /** Nobody waits for this exchange any more: end it as the class says. Idempotent. */
  void abandon() {
    CompletableFuture<?> closeNow = null;
    boolean stepNow = false;
    synchronized (this) {
      // Abandoned once (the pipeline's cancel and the outcome's both get here); an ended body needs nothing.
      if (abandoned || settled || bodyEnded || exchange == null || exchange.isDone()) {
        return;
      }
      abandoned = true;
      abandonedAt = clock.nanoTime();
      if (!isHttp2()) {
        // HTTP/1.1: the cancel closes the connection, which costs the server no reset.
        settled = true;
        closeNow = exchange;
      } else if (finishesSoon()) {
        timer = scheduler.schedule(this::step, GRACE);
      } else {
        stepNow = true;
      }
    }
    if (closeNow != null) {
      closeNow.cancel(true);
    } else if (stepNow) {
      step();
    }
  }

  /** Resets the exchange if the budget or the bounds say so, or waits for the next token. */
  private void step() {
    CompletableFuture<?> reset;
    synchronized (this) {
      if (settled || exchange.isDone()) {
        return;
      }
      long drained = clock.nanoTime() - abandonedAt;
      long left = DRAIN_LIMIT.toNanos() - drained;
      if (bodyBytes.get() > maxDrainBytes || left <= 0) {
        budget.acquireForced();
      } else if (!budget.tryAcquire()) {
        cancelTimer();
        timer = scheduler.schedule(this::step, Duration.ofNanos(Math.max(1, Math.min(left, budget.nanosUntilToken()))));
        return;
      }
      settled = true;
      cancelTimer();
      reset = exchange;
    }
    reset.cancel(true);
  }

  private synchronized void settle() {
    settled = true;
    cancelTimer();
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
  }

  private boolean isHttp2() {
    HttpResponse.ResponseInfo info = head;
    return info != null ? info.version() == HttpClient.Version.HTTP_2 : http2Possible;
  }

  /** Whether the head is in and the declared body is small enough to wait {@link #GRACE} for. */
  private boolean finishesSoon() {
    HttpResponse.ResponseInfo info = head;
    if (info == null) {
      return false;
    }
    long length = info.headers().firstValueAsLong("Content-Length").orElse(-1);
    return length >= 0 && length <= maxDrainBytes;
  }
}
