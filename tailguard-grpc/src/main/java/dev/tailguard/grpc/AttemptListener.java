package dev.tailguard.grpc;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Listens to one attempt. A unary attempt completes its future when it closes. A streaming
 * attempt completes it at its first message (the commit point); after that its events are
 * forwarded to the caller's listener, queued until the caller's listener is attached so that
 * they arrive in order.
 */
final class AttemptListener<RespT> extends ClientCall.Listener<RespT> {
  private final ClientCall<?, RespT> call;
  private final CompletableFuture<AttemptOutcome<RespT>> outcome;
  private final boolean streaming;
  private volatile Metadata headers;
  private volatile RespT message;
  private boolean committed;
  private ClientCall.Listener<RespT> target;
  private final Queue<Consumer<ClientCall.Listener<RespT>>> pending = new ArrayDeque<>();

  AttemptListener(ClientCall<?, RespT> call, CompletableFuture<AttemptOutcome<RespT>> outcome, boolean streaming) {
    this.call = call;
    this.outcome = outcome;
    this.streaming = streaming;
  }

  @Override
  public void onHeaders(Metadata headers) {
    this.headers = headers;
  }

  @Override
  public void onMessage(RespT message) {
    if (!streaming) {
      this.message = message;
      return;
    }
    ClientCall.Listener<RespT> forward;
    synchronized (this) {
      if (!committed) {
        committed = true;
        outcome.complete(AttemptOutcome.committed(call, headers, message, this));
        return;
      }
      if (target == null) {
        pending.add(listener -> listener.onMessage(message));
        return;
      }
      forward = target;
    }
    forward.onMessage(message);
  }

  @Override
  public void onClose(Status status, Metadata trailers) {
    ClientCall.Listener<RespT> forward;
    synchronized (this) {
      if (!committed) {
        outcome.complete(AttemptOutcome.closed(call, headers, message, status, trailers));
        return;
      }
      if (target == null) {
        pending.add(listener -> listener.onClose(status, trailers));
        return;
      }
      forward = target;
    }
    forward.onClose(status, trailers);
  }

  /** Forwards everything after the first message to {@code listener}, in order. */
  synchronized void attach(ClientCall.Listener<RespT> listener) {
    while (!pending.isEmpty()) {
      pending.poll().accept(listener);
    }
    target = listener;
  }
}
