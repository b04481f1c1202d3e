package dev.tailguard.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.ResponseInfo;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Holds the body of a response that will probably be retried (a 503 on an attempt that is not the
 * last) instead of handing it to the caller's body handler as it arrives.
 *
 * <p>Up to {@code cap} bytes are read, which drains the exchange so that its connection goes back
 * to the pool. If the response is handed to the caller after all (the call gave up), the held
 * bytes are fed to the caller's own handler, so the caller sees exactly what the server sent. A
 * body over the cap is dropped by cancelling the exchange, and the attempt fails with {@link
 * Overflow}, which is retryable like the status it carried.
 *
 * @param <T> the caller's body type
 */
final class HeldBody<T> implements BodySubscriber<T> {
  private final ResponseInfo info;
  private final BodyHandler<T> callerHandler;
  private final long cap;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CompletableFuture<T> body = new CompletableFuture<>();
  private Flow.Subscription subscription;

  HeldBody(ResponseInfo info, BodyHandler<T> callerHandler, long cap) {
    this.info = info;
    this.callerHandler = callerHandler;
    this.cap = cap;
  }

  /** A retryable response whose body was larger than the drain cap and was not read. */
  static final class Overflow extends IOException {
    private static final long serialVersionUID = 1L;

    Overflow(int status, long cap) {
      super("HTTP " + status + " response body is larger than the " + cap
          + "-byte drain limit; it was dropped unread and its connection closed");
    }
  }

  /** The bytes read so far; complete once the body has completed. */
  byte[] heldBytes() {
    synchronized (bytes) {
      return bytes.toByteArray();
    }
  }

  @Override
  public CompletionStage<T> getBody() {
    return body;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    subscription.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (body.isDone()) {
      return;
    }
    for (ByteBuffer item : items) {
      byte[] copy = new byte[item.remaining()];
      item.get(copy);
      bytes.writeBytes(copy);
    }
    if (bytes.size() > cap) {
      subscription.cancel();
      body.completeExceptionally(new Overflow(info.statusCode(), cap));
    }
  }

  @Override
  public void onError(Throwable failure) {
    body.completeExceptionally(failure);
  }

  @Override
  public void onComplete() {
    if (body.isDone()) {
      return;
    }
    try {
      BodySubscriber<T> caller = callerHandler.apply(info);
      replay(caller, bytes.toByteArray());
      caller.getBody().whenComplete((value, failure) -> {
        if (failure != null) {
          body.completeExceptionally(failure);
        } else {
          body.complete(value);
        }
      });
    } catch (RuntimeException callerFailure) {
      body.completeExceptionally(callerFailure);
    }
  }

  /** Feeds the held bytes to the caller's subscriber: one item, then completion. */
  private static void replay(BodySubscriber<?> caller, byte[] held) {
    caller.onSubscribe(new Flow.Subscription() {
      private boolean started;

      @Override
      public void request(long n) {
        // A request from inside onNext must not deliver twice.
        if (started) {
          return;
        }
        started = true;
        if (held.length > 0) {
          caller.onNext(List.of(ByteBuffer.wrap(held)));
        }
        caller.onComplete();
      }

      @Override
      public void cancel() {
        started = true;
      }
    });
  }
}
