package dev.tailguard.http;

import java.net.http.HttpRequest.BodyPublisher;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A body that was too large to buffer: the bytes already read, then the rest of the original
 * one-shot publisher. It can be subscribed to once; a second subscription fails at once rather
 * than send a truncated body.
 *
 * <p>Signals are serialized with a work-in-progress counter, so a downstream that requests more
 * from inside {@code onNext} does not recurse.
 */
final class OneShotRemainder implements BodyPublisher {
  private final ByteBuffer prefix;
  private final Flow.Subscription upstream;
  private final AtomicBoolean subscribed = new AtomicBoolean();
  private final AtomicLong demand = new AtomicLong();
  private final AtomicInteger work = new AtomicInteger();
  private final AtomicBoolean terminated = new AtomicBoolean();
  private volatile Flow.Subscriber<? super ByteBuffer> downstream;
  private volatile boolean prefixSent;
  private volatile boolean upstreamDone;
  private volatile Throwable upstreamFailure;
  private volatile boolean cancelled;

  OneShotRemainder(ByteBuffer prefix, Flow.Subscription upstream) {
    this.prefix = prefix;
    this.upstream = upstream;
  }

  @Override
  public long contentLength() {
    return -1;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
    if (!subscribed.compareAndSet(false, true)) {
      subscriber.onSubscribe(new Flow.Subscription() {
        @Override public void request(long n) {}
        @Override public void cancel() {}
      });
      subscriber.onError(new IllegalStateException(
          "this request body was a one-shot stream larger than the replay cap; it can be sent only once"));
      return;
    }
    downstream = subscriber;
    subscriber.onSubscribe(new Flow.Subscription() {
      @Override
      public void request(long n) {
        // Reactive Streams §3.9: a non-positive request is an error, not a no-op: the subscriber
        // is told (which cancelling first would have suppressed) and the rest is not read.
        if (n <= 0) {
          upstream.cancel();
          upstreamError(new IllegalArgumentException("request(" + n + ") of a request body: must be > 0"));
          return;
        }
        demand.getAndAccumulate(n, (current, added) -> current + added < 0 ? Long.MAX_VALUE : current + added);
        drain();
      }

      @Override
      public void cancel() {
        cancelled = true;
        upstream.cancel();
      }
    });
  }

  void upstreamNext(ByteBuffer item) {
    Flow.Subscriber<? super ByteBuffer> subscriber = downstream;
    if (subscriber != null && !cancelled && !terminated.get()) {
      subscriber.onNext(item);
    }
  }

  void upstreamError(Throwable failure) {
    upstreamFailure = failure;
    upstreamDone = true;
    drain();
  }

  void upstreamComplete() {
    upstreamDone = true;
    drain();
  }

  private void drain() {
    if (work.getAndIncrement() != 0) {
      return;
    }
    do {
      Flow.Subscriber<? super ByteBuffer> subscriber = downstream;
      if (subscriber == null || cancelled || terminated.get()) {
        continue;
      }
      if (!prefixSent && demand.get() > 0) {
        prefixSent = true;
        demand.decrementAndGet();
        subscriber.onNext(prefix.duplicate());
      }
      if (prefixSent) {
        long wanted = demand.getAndSet(0);
        if (wanted > 0 && !upstreamDone) {
          upstream.request(wanted);
        }
      }
      // Completion follows the prefix; a failure needs no demand and is signalled at once.
      // upstreamDone first: upstreamError writes the failure before it.
      boolean ended = upstreamDone;
      Throwable failure = upstreamFailure;
      if (ended && (prefixSent || failure != null) && terminated.compareAndSet(false, true)) {
        if (failure != null) {
          subscriber.onError(failure);
        } else {
          subscriber.onComplete();
        }
      }
    } while (work.decrementAndGet() != 0);
  }
}
