package dev.tailguard.http;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Makes a request body safe to send more than once.
 *
 * <p>The JDK's string, byte-array, file and empty publishers produce the same bytes on every
 * subscription, so they are sent as they are. Any other publisher ({@code ofInputStream}, {@code
 * fromPublisher}, {@code ofByteArrays}, {@code concat}) may be one-shot: a second subscription
 * would send an empty or truncated body (the "ContentLength=20 with Body length 0" bug of Go's
 * net/http). Those are read into memory up to a cap and re-sent from there. A body over the cap
 * is not read twice: the bytes read so far are sent first and the rest streams from the original
 * publisher, once, and the call is not retried.
 */
final class RequestBodies {
  private static final String JDK_PUBLISHERS = "jdk.internal.net.http.RequestPublishers$";
  private static final Set<String> REPLAYABLE = Set.of(
      JDK_PUBLISHERS + "ByteArrayPublisher",
      JDK_PUBLISHERS + "StringPublisher",
      JDK_PUBLISHERS + "EmptyPublisher",
      JDK_PUBLISHERS + "FilePublisher");

  private RequestBodies() {}

  /**
   * A body ready for the attempts: either replayable, or one-shot with the bytes read so far and
   * the limit it did not fit ({@code maxReplayBytes}, or the client's shared {@code
   * maxReplayBytesInFlight}).
   */
  record Prepared(Optional<BodyPublisher> publisher, boolean replayable, long bytesRead, long limit) {
    static Prepared replayable(Optional<BodyPublisher> publisher) {
      return new Prepared(publisher, true, -1, -1);
    }
  }

  /** Whether the publisher is one the JDK replays from its source on every subscription. */
  static boolean isReplayable(BodyPublisher publisher) {
    return REPLAYABLE.contains(publisher.getClass().getName());
  }

  /**
   * Prepares the body: replayable publishers as they are; others buffered up to {@code cap}
   * bytes, every buffered byte reserved in {@code reservation} (the client's shared budget). The
   * future completes once the body is read, the cap or the budget is passed, or the publisher
   * fails.
   */
  static CompletableFuture<Prepared> prepare(Optional<BodyPublisher> body, long cap, ReplayBudget.Reservation reservation) {
    if (body.isEmpty() || isReplayable(body.get())) {
      return CompletableFuture.completedFuture(Prepared.replayable(body));
    }
    BodyPublisher publisher = body.get();
    // A declared length over the cap: reading any of it would only waste memory.
    if (publisher.contentLength() > cap) {
      return CompletableFuture.completedFuture(new Prepared(body, false, 0, cap));
    }
    Buffering buffering = new Buffering(cap, reservation);
    publisher.subscribe(buffering);
    return buffering.done;
  }

  /** Reads a publisher one item at a time until it ends or passes the cap. */
  private static final class Buffering implements Flow.Subscriber<ByteBuffer> {
    private final long cap;
    private final ReplayBudget.Reservation reservation;
    private final CompletableFuture<Prepared> done = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private Flow.Subscription subscription;
    /** Set once the cap is passed; from then on the upstream's signals go to it. */
    private volatile OneShotRemainder remainder;

    Buffering(long cap, ReplayBudget.Reservation reservation) {
      this.cap = cap;
      this.reservation = reservation;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(1);
    }

    @Override
    public void onNext(ByteBuffer item) {
      OneShotRemainder rest = remainder;
      if (rest != null) {
        rest.upstreamNext(item);
        return;
      }
      byte[] copy = new byte[item.remaining()];
      item.get(copy);
      bytes.writeBytes(copy);
      boolean overCap = bytes.size() > cap;
      // The client's other calls already hold the shared budget: send this body once.
      if (overCap || !reservation.tryAdd(copy.length)) {
        rest = new OneShotRemainder(ByteBuffer.wrap(bytes.toByteArray()), subscription);
        remainder = rest;
        done.complete(new Prepared(Optional.of(rest), false, bytes.size(), overCap ? cap : reservation.limit()));
        return;
      }
      subscription.request(1);
    }

    @Override
    public void onError(Throwable failure) {
      OneShotRemainder rest = remainder;
      if (rest != null) {
        rest.upstreamError(failure);
      } else {
        done.completeExceptionally(failure);
      }
    }

    @Override
    public void onComplete() {
      OneShotRemainder rest = remainder;
      if (rest != null) {
        rest.upstreamComplete();
      } else {
        done.complete(Prepared.replayable(Optional.of(BodyPublishers.ofByteArray(bytes.toByteArray()))));
      }
    }
  }
}
