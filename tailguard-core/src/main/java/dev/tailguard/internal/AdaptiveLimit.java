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
 * <p>Sampling: an ended attempt is one sample (its latency, whether it was dropped, and the
 * in-flight count when it ended). A window closes when it is at least {@code window} old and holds
 * at least {@code minSamples} samples; the limit then changes once, from the window's aggregate,
 * so one slow call cannot move it and the update costs nothing per call.
 *
 * <p>Not every attempt is timed. Reading the clock twice and adding to the window's atomics is
 * most of what an adaptive permit costs (about 60 ns against 7 ns for a fixed one), and a window
 * needs a few hundred latencies, not millions. So {@link #sample()} times one attempt in {@code
 * sampleEvery}, a power of two the closing thread sets from the window that just ended: as many as
 * needed for about {@value #SAMPLES_PER_WINDOW} samples a window, at most one in {@value
 * #MAX_SAMPLE_EVERY}, picked by the top bits of a golden-ratio sequence of the attempt counter so
 * that a periodic pattern of calls (rounds of the same size) is sampled at every position. A
 * window that has grown old without enough samples (the call rate fell) times every attempt
 * until it closes. Below {@value #SAMPLES_PER_WINDOW} attempts a window (and while a probe runs)
 * every attempt is timed, so a slow client measures exactly what it did before. What is never
 * sampled away is a drop: it always counts, with one clock read to place it in a window. The
 * in-flight peak is read from the timed attempts, a few hundred a window. The attempt counter that
 * picks the timed attempts is a plain field: two threads racing on it may time one attempt more or
 * less, which only moves which latencies the estimate reads.
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
  /** About how many timed attempts a window should hold once the call rate allows it. */
  static final int SAMPLES_PER_WINDOW = 256;
  /** The sparsest sampling: one attempt in this many is timed. */
  static final int MAX_SAMPLE_EVERY = 256;

  /** The latency {@link #record} is given for an attempt that was not timed. */
  public static final long UNTIMED = Long.MIN_VALUE;

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
  /** {@code sampleEvery - 1}, a power of two less one; see {@link #sample()}. Written by the closing thread (and cleared by an overdue window). */
  private volatile int sampleMask;
  /** Attempts started, counted racily (see Sampling above); wraps, read only as differences. */
  private int attempts;
  private int attemptsAtWindowStart; // guarded by `updating`

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
   * @param latencyNanos the attempt's latency, or {@link #UNTIMED} for a drop whose start was not
   *     timed (an untimed success is not recorded at all)
   * @param dropped whether the attempt was dropped (timeout, retryable failure)
   * @param inFlight the attempts in flight as it ended, itself included
   * @param limit the current limit
   * @return the new limit, or -1 when the window is still open (or another thread is closing it)
   */
  public int record(long now, long latencyNanos, boolean dropped, int inFlight, int limit) {
    // Long.MIN_VALUE and Long.MAX_VALUE are the "no window yet" and "no probe" marks: a reading
    // equal to one moves a nanosecond, which costs the estimate nothing.
    if (now == Long.MIN_VALUE || now == Long.MAX_VALUE) {
      now = now == Long.MIN_VALUE ? now + 1 : now - 1;
    }
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
      // An untimed drop may have started before the probe: it cannot tell about the probe limit.
      // Compared as a difference: readings may wrap from Long.MAX_VALUE to Long.MIN_VALUE.
      if (latencyNanos == UNTIMED || now - latencyNanos - from < 0) {
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
    if (now - start < windowNanos) {
      return -1;
    }
    if (samples.get() + drops.get() < minSamples) {
      // The window is old and still short of samples: the call rate fell since sampling was set
      // for a busy window. Time every attempt until a window closes and sets the rate again;
      // otherwise a quiet client would need up to 256 times minSamples attempts to close one.
      if (sampleMask != 0) {
        sampleMask = 0;
      }
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
      int seen = attempts;
      int attemptsInWindow = seen - attemptsAtWindowStart;
      attemptsAtWindowStart = seen;
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
        sampleMask = sampleMaskFor(attemptsInWindow);
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
        // The probe's few attempts are all its evidence: time every one.
        sampleMask = 0;
        return probeLimit;
      }
      sampleMask = sampleMaskFor(attemptsInWindow);
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

  /**
   * Counts one started attempt and says whether to time it. Lock-free and allocation-free; racy by
   * design (see Sampling above).
   */
  public boolean sample() {
    int mask = sampleMask;
    int n = ++attempts;
    // Every attempt timed: quiet windows and probes.
    if (mask == 0) {
      return true;
    }
    // The top bits of a golden-ratio (Weyl) sequence of the counter, not its low bits: one in
    // sampleEvery all the same, but spread over any periodic pattern of calls. The low bits of a
    // counter alias: rounds of 4 calls sampled 1 in 32 always timed the same call of the round,
    // whose in-flight count (1 of 4) then blocked every increase of the limit.
    return ((n * 0x9E3779B9) >>> Integer.numberOfLeadingZeros(mask)) == 0;
  }

  /** One in how many attempts is timed now, for tests. */
  public int sampleEvery() {
    return sampleMask + 1;
  }

  /** The mask that times about {@link #SAMPLES_PER_WINDOW} of a window of {@code attemptsInWindow}. */
  static int sampleMaskFor(int attemptsInWindow) {
    int every = Math.max(1, attemptsInWindow / SAMPLES_PER_WINDOW);
    return Math.min(MAX_SAMPLE_EVERY, Integer.highestOneBit(every)) - 1;
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
