package dev.tailguard.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The learning half of an adaptive concurrency limit: it gathers latency samples into windows and,
 * once per window, asks its {@link LimitRule} for the next limit.
 *
 * <h2>Design</h2>
 *
 * <p>Why a limit at all: by Little's law a backend that serves {@code X} calls per second with an
 * unloaded latency {@code W} holds {@code X * W} calls in flight. More concurrency than that does
 * not raise throughput, it only lengthens the backend's queue, and every call waits in it: latency
 * grows first, errors (timeouts, full queues) follow. A client that keeps its in-flight calls near
 * {@code X * W} keeps the queue short; the rules here find that number from measured latency, as
 * TCP Vegas finds a path's bandwidth-delay product, instead of asking the user to guess it.
 *
 * <p>Sampling: every ended attempt is one sample (its latency, whether it was dropped, and the
 * in-flight count when it ended). A window closes when it is at least {@code window} old and holds
 * at least {@code minSamples} samples; the limit then changes once, from the window's aggregate,
 * so one slow call cannot move it and the update costs nothing per call.
 *
 * <p>Decisions, in order, for a closing window:
 *
 * <ul>
 *   <li>a dropped attempt in it (a timeout or a retryable failure): multiply by {@code
 *       backoffRatio}; latency of failed calls is not trusted (a fast 503 would read as headroom);
 *   <li>otherwise the rule's next limit; an increase is ignored while the window never had half the
 *       limit in flight (the client, not the backend, is the bottleneck, and the latency says
 *       nothing about more concurrency);
 *   <li>clamped to [minLimit, maxLimit].
 * </ul>
 *
 * <p>Probes: latency measured at the current limit says nothing about a lower one, so a limit that
 * starts (or drifted) above the backend's knee would read the queueing latency as normal. The
 * first window without drops, and the first after every {@code probeWindows} windows, starts a
 * probe instead of a rule step: the limit is pinned to {@code probeLimit}; once in flight has
 * fallen below it, the attempts that start from then on are the probe's samples, and when their
 * window closes their mean and lowest latency become the rule's baseline and the limit goes back
 * to where it was. This is Envoy's adaptive concurrency filter's minRTT measurement at {@code
 * min_concurrency}.
 *
 * <p>{@code probeFrom}: {@link Long#MAX_VALUE} when no probe runs, {@link Long#MIN_VALUE} while a
 * probe waits for in flight to fall below the probe limit, then the clock reading it did.
 *
 * <h2>Concurrency</h2>
 *
 * <p>Lock-free. The sample path is a handful of atomic adds and a CAS-min and a CAS-max, no
 * allocation and no lock. Closing a window is claimed by one CAS on {@code updating}: the thread
 * that wins reads and resets the aggregates, runs the rule (whose plain fields it alone touches; the
 * flag's CAS and release order those accesses between threads), and publishes the new limit; a
 * thread that loses just records its sample and goes on. Samples that land while a window is being
 * reset may go into either window or be folded into the next: the limit is an estimate and that
 * costs it nothing, while the in-flight count (in {@link DefaultConcurrencyLimit}) is exact.
 *
 * <h2>State</h2>
 *
 * <ul>
 *   <li>{@code windowStart}: the clock reading the current window began at; {@link Long#MIN_VALUE}
 *       before the first sample.
 *   <li>{@code samples}, {@code sumNanos}, {@code minNanos}, {@code maxInFlight}, {@code drops}:
 *       the current window's aggregate, reset together by the closing thread.
 *   <li>{@code estimate}: the limit as a real number (the int limit is its rounding), written only
 *       by the closing thread.
 * </ul>
 */
public final class AdaptiveLimit {
  private final LimitRule rule;
  private final int minLimit;
  private final int maxLimit;
  private final long windowNanos;
  private final int minSamples;
  private final double backoffRatio;
  private final int probeWindows;
  private final int probeLimit;

  private final AtomicLong windowStart = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong samples = new AtomicLong();
  private final AtomicLong sumNanos = new AtomicLong();
  private final AtomicLong minNanos = new AtomicLong(Long.MAX_VALUE);
  private final AtomicLong maxInFlight = new AtomicLong();
  private final AtomicLong drops = new AtomicLong();
  private final AtomicBoolean updating = new AtomicBoolean();
  private double estimate; // guarded by `updating`; 0 until the first window closes
  private int windowsSinceProbe; // guarded by `updating`
  private boolean probed; // guarded by `updating`: a probe has started once
  private double resumeAt; // guarded by `updating`: the estimate to go back to after a probe
  /** While a probe runs: the clock reading after which in flight fell below the probe limit; MIN_VALUE not yet; MAX_VALUE no probe. */
  private final AtomicLong probeFrom = new AtomicLong(Long.MAX_VALUE);

  public AdaptiveLimit(LimitRule rule, int minLimit, int maxLimit, Duration window, int minSamples, double backoffRatio,
      int probeWindows, int probeLimit) {
    this.rule = rule;
    this.probeWindows = probeWindows;
    this.probeLimit = Math.max(minLimit, Math.min(maxLimit, probeLimit));
    this.minLimit = minLimit;
    this.maxLimit = maxLimit;
    this.windowNanos = Durations.toNanosSaturated(window);
    this.minSamples = minSamples;
    this.backoffRatio = backoffRatio;
  }

  /**
   * Records one ended attempt and, if it closes the window, returns the new limit.
   *
   * @param now the clock reading at the end of the attempt
   * @param latencyNanos the attempt's latency
   * @param dropped whether the attempt was dropped (timeout, retryable failure)
   * @param inFlight the attempts in flight as it ended, itself included
   * @param limit the current limit
   * @return the new limit, or -1 when the window is still open (or another thread is closing it)
   */
  public int record(long now, long latencyNanos, boolean dropped, int inFlight, int limit) {
    long start = windowStart.get();
    // The first sample ever opens the first window.
    if (start == Long.MIN_VALUE && windowStart.compareAndSet(Long.MIN_VALUE, now)) {
      start = now;
    }
    long from = probeFrom.get();
    if (from != Long.MAX_VALUE) {
      // Probing: only attempts that started once in flight was below the probe limit measure the unloaded latency.
      if (from == Long.MIN_VALUE) {
        if (inFlight - 1 < probeLimit) {
          probeFrom.compareAndSet(Long.MIN_VALUE, now);
        }
        return -1;
      }
      if (now - latencyNanos < from) {
        return -1;
      }
    }
    if (dropped) {
      drops.incrementAndGet();
    } else {
      samples.incrementAndGet();
      sumNanos.addAndGet(Math.max(0, latencyNanos));
      casMin(minNanos, Math.max(0, latencyNanos));
    }
    casMax(maxInFlight, inFlight);
    if (now - start < windowNanos || samples.get() + drops.get() < minSamples) {
      return -1;
    }
    // One thread closes the window; the others have already recorded their samples in it.
    if (!updating.compareAndSet(false, true)) {
      return -1;
    }
    try {
      // Re-read under the flag: the window may just have been closed by the previous holder.
      if (now - windowStart.get() < windowNanos) {
        return -1;
      }
      windowStart.set(now);
      long n = samples.getAndSet(0);
      long sum = sumNanos.getAndSet(0);
      long min = minNanos.getAndSet(Long.MAX_VALUE);
      long peak = maxInFlight.getAndSet(0);
      long dropCount = drops.getAndSet(0);
      double current = estimate == 0 ? limit : estimate;
      if (probeFrom.get() != Long.MAX_VALUE) {
        // The probe window closes: its latency is the baseline; the limit goes back to where it was.
        if (n == 0) {
          return -1;
        }
        probeFrom.set(Long.MAX_VALUE);
        rule.baseline((double) sum / n, min);
        estimate = resumeAt;
        return clampRound(estimate);
      }
      // The first clean window, and the first clean one after every probeWindows: measure the
      // unloaded latency at the probe limit. A window with drops backs off first.
      windowsSinceProbe++;
      if (dropCount == 0 && n > 0 && (!probed || windowsSinceProbe >= probeWindows)) {
        probed = true;
        windowsSinceProbe = 0;
        resumeAt = current;
        estimate = resumeAt;
        probeFrom.set(Long.MIN_VALUE);
        return probeLimit;
      }
      double next;
      if (dropCount > 0) {
        next = current * backoffRatio;
      } else if (n == 0) {
        return -1;
      } else {
        next = rule.next(current, n, (double) sum / n, min);
        // Growth needs evidence: latency measured at half the limit says nothing about more.
        if (next > current && peak * 2 < current) {
          next = current;
        }
      }
      estimate = Math.max(minLimit, Math.min(maxLimit, next));
      return clampRound(estimate);
    } finally {
      updating.set(false);
    }
  }

  private int clampRound(double value) {
    return (int) Math.max(minLimit, Math.min(maxLimit, Math.round(value)));
  }

  /** Whether a probe is running (the limit is pinned to the probe limit), for tests. */
  public boolean probing() {
    return probeFrom.get() != Long.MAX_VALUE;
  }

  /** The rule, for toString and tests. */
  public LimitRule rule() {
    return rule;
  }

  private static void casMin(AtomicLong target, long value) {
    long current;
    while (value < (current = target.get()) && !target.compareAndSet(current, value)) {
      // another sample moved it: compare again
    }
  }

  private static void casMax(AtomicLong target, long value) {
    long current;
    while (value > (current = target.get()) && !target.compareAndSet(current, value)) {
      // another sample moved it: compare again
    }
  }
}
