package dev.tailguard.http;

import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Passes a body through unchanged and notes when the client signalled its end (complete or
 * failed). An attempt whose body has ended needs no cancel: its exchange completes by itself, and
 * a cancel would only make the JDK client reset an HTTP/2 stream the server already finished, or
 * close an HTTP/1.1 connection that could be reused. It also counts the body's bytes, so that an
 * abandoned exchange being drained is reset once it outgrows its bound ({@link AbandonedExchange}).
 *
 * @param <T> the body type
 */
final class EndWatchingSubscriber<T> implements BodySubscriber<T> {
  private final BodySubscriber<T> delegate;
  private final AbandonedExchange watch;

  EndWatchingSubscriber(BodySubscriber<T> delegate, AbandonedExchange watch) {
    this.delegate = delegate;
    this.watch = watch;
  }

  @Override
  public CompletionStage<T> getBody() {
    return delegate.getBody();
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    delegate.onSubscribe(subscription);
  }

  @Override
  public void onNext(List<ByteBuffer> item) {
    long bytes = 0;
    for (ByteBuffer buffer : item) {
      bytes += buffer.remaining();
    }
    delegate.onNext(item);
    watch.bytes(bytes);
  }

  @Override
  public void onError(Throwable throwable) {
    watch.bodyEnded();
    delegate.onError(throwable);
  }

  @Override
  public void onComplete() {
    watch.bodyEnded();
    delegate.onComplete();
  }
}
