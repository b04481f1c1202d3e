package dev.tailguard.http;

import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Passes a body through unchanged and notes when the client signalled its end (complete or
 * failed). An attempt whose body has ended needs no cancel: its exchange completes by itself, and
 * a cancel would only make the JDK client reset an HTTP/2 stream the server already finished, or
 * close an HTTP/1.1 connection that could be reused.
 *
 * @param <T> the body type
 */
final class EndWatchingSubscriber<T> implements BodySubscriber<T> {
  private final BodySubscriber<T> delegate;
  private final AtomicBoolean ended;

  EndWatchingSubscriber(BodySubscriber<T> delegate, AtomicBoolean ended) {
    this.delegate = delegate;
    this.ended = ended;
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
    delegate.onNext(item);
  }

  @Override
  public void onError(Throwable throwable) {
    ended.set(true);
    delegate.onError(throwable);
  }

  @Override
  public void onComplete() {
    ended.set(true);
    delegate.onComplete();
  }
}
