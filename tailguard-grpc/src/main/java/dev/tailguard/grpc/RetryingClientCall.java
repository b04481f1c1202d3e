package dev.tailguard.grpc;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.AttemptContext;
import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.TailguardException;
import dev.tailguard.Verdict;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CancellationException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One logical call made of attempts. The caller's single request message is kept (up to the
 * replay cap) and sent on each attempt; the engine from core decides retries and hedges; the
 * winning attempt's response reaches the caller's listener, and for a server-streaming call the
 * rest of its stream follows. Losers are cancelled, so their servers see their Context cancelled.
 */
final class RetryingClientCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
  /** gRFC A6: how many attempts came before this one. */
  static final Metadata.Key<String> PREVIOUS_ATTEMPTS = Metadata.Key.of("grpc-previous-rpc-attempts", Metadata.ASCII_STRING_MARSHALLER);

  private final MethodDescriptor<ReqT, RespT> method;
  private final CallOptions callOptions;
  private final Channel next;
  private final GrpcPolicy policy;
  private final boolean streaming;

  private Listener<RespT> listener;
  private Metadata headers;
  private ReqT message;
  private boolean replayable = true;
  private int callerDemand;
  private ClientCall<?, RespT> committed;
  private boolean closed;
  private volatile CompletableFuture<AttemptOutcome<RespT>> execution;

  RetryingClientCall(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next, GrpcPolicy policy) {
    this.method = method;
    this.callOptions = callOptions;
    this.next = next;
    this.policy = policy;
    this.streaming = method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
  }

  @Override
  public void start(Listener<RespT> responseListener, Metadata headers) {
    this.listener = responseListener;
    this.headers = headers;
  }

  @Override
  public void request(int numMessages) {
    ClientCall<?, RespT> target;
    synchronized (this) {
      if (committed == null) {
        callerDemand += numMessages;
        return;
      }
      target = committed;
    }
    target.request(numMessages);
  }

  @Override
  public void sendMessage(ReqT request) {
    if (message != null) {
      throw new IllegalStateException(method.getFullMethodName() + " is " + method.getType() + ": one request message only");
    }
    this.message = request;
    this.replayable = serializedSize(request) <= policy.maxReplayBytes();
  }

  /** The request's serialized size, counting no further than the cap. */
  private long serializedSize(ReqT request) {
    try (InputStream in = method.streamRequest(request)) {
      long limit = policy.maxReplayBytes() + 1;
      long counted = 0;
      byte[] buffer = new byte[8192];
      int read;
      while (counted < limit && (read = in.read(buffer, 0, (int) Math.min(buffer.length, limit - counted))) > 0) {
        counted += read;
      }
      return counted;
    } catch (IOException unreadable) {
      // A request we cannot measure is treated as too large to replay.
      return Long.MAX_VALUE;
    }
  }

  @Override
  public void halfClose() {
    Pipeline pipeline = replayable ? policy.pipeline() : policy.single();
    OutcomeHandler<AttemptOutcome<RespT>> outcomes = OutcomeHandler.<AttemptOutcome<RespT>>builder()
        .classifier((outcome, error) -> verdict(outcome, error))
        .serverHint((outcome, error) -> outcome == null ? null : outcome.pushback())
        .onDiscard(outcome -> {
          if (outcome.isCommitted()) {
            outcome.call.cancel("Tailguard: another attempt won", null);
          }
        })
        .resultSummary(outcome -> outcome.isCommitted() ? "first message" : outcome.status.getCode().toString())
        .returnLastResultOnGiveUp(true)
        .build();
    AsyncAttempt<AttemptOutcome<RespT>> attempt = this::startAttempt;
    CompletableFuture<AttemptOutcome<RespT>> running = pipeline.executeAsync(attempt, outcomes);
    execution = running;
    running.whenComplete(this::deliver);
  }

  private Verdict verdict(AttemptOutcome<RespT> outcome, Throwable error) {
    if (error != null) {
      // Tailguard's own per-attempt timeout is the client-side twin of DEADLINE_EXCEEDED.
      Status status = error instanceof AttemptTimeoutException ? Status.DEADLINE_EXCEEDED : Status.fromThrowable(error);
      return policy.retryableCodes().contains(status.getCode()) && replayable ? Verdict.RETRYABLE : Verdict.NON_RETRYABLE;
    }
    if (outcome.isCommitted() || outcome.status.isOk()) {
      return Verdict.SUCCESS;
    }
    // A request too large to keep can never be sent again.
    return replayable && policy.retryableCodes().contains(outcome.status.getCode()) ? Verdict.RETRYABLE : Verdict.NON_RETRYABLE;
  }

  /** The shorter of the retry's per-attempt allowance and the pipeline's timeout; -1 for none. */
  private long attemptTimeoutNanos(AttemptContext context) {
    long retry = context.timeout().map(Duration::toNanos).orElse(-1L);
    long pipeline = policy.timeout() == null ? -1 : policy.timeout().duration().toNanos();
    if (retry < 0 || pipeline < 0) {
      return Math.max(retry, pipeline);
    }
    return Math.min(retry, pipeline);
  }

  private CompletableFuture<AttemptOutcome<RespT>> startAttempt(AttemptContext context) {
    CallOptions options = callOptions;
    long attemptNanos = attemptTimeoutNanos(context);
    if (attemptNanos >= 0) {
      // Per-attempt deadline = min(per-attempt timeout, the call's remaining deadline), sent to the
      // server as grpc-timeout so that it can stop the work too.
      Deadline attemptDeadline = Deadline.after(attemptNanos, TimeUnit.NANOSECONDS);
      Deadline callDeadline = callOptions.getDeadline();
      options = options.withDeadline(callDeadline == null ? attemptDeadline : attemptDeadline.minimum(callDeadline));
    }
    ClientCall<ReqT, RespT> call = next.newCall(method, options);
    CompletableFuture<AttemptOutcome<RespT>> outcome = new CompletableFuture<>();
    AttemptListener<RespT> attemptListener = new AttemptListener<>(call, outcome, streaming);
    Metadata attemptHeaders = new Metadata();
    attemptHeaders.merge(headers);
    if (context.attempt() > 1) {
      attemptHeaders.put(PREVIOUS_ATTEMPTS, Integer.toString(context.attempt() - 1));
    }
    context.onCancel(() -> call.cancel("Tailguard cancelled this attempt (a hedge that lost, or a timeout)", null));
    outcome.whenComplete((result, error) -> {
      if (outcome.isCancelled()) {
        call.cancel("Tailguard cancelled this attempt", null);
      }
    });
    call.start(attemptListener, attemptHeaders);
    // Unary: ask for two so that a server sending a second message is a protocol error, as in ClientCalls.
    call.request(streaming ? 1 : 2);
    call.sendMessage(message);
    call.halfClose();
    return outcome;
  }

  /**
   * Hands the outcome to the caller's listener on the call's executor, as gRPC's own calls do.
   * Blocking stubs wait on a threadless executor and wake only for tasks posted to it: a listener
   * invoked directly from the retry timer's thread would leave them parked forever.
   */
  private void deliver(AttemptOutcome<RespT> outcome, Throwable error) {
    Executor executor = callOptions.getExecutor();
    if (executor == null) {
      deliverNow(outcome, error);
    } else {
      executor.execute(() -> deliverNow(outcome, error));
    }
  }

  private void deliverNow(AttemptOutcome<RespT> outcome, Throwable error) {
    if (error != null) {
      close(failureStatus(error), new Metadata());
      return;
    }
    if (outcome.headers != null) {
      listener.onHeaders(outcome.headers);
    }
    if (!outcome.isCommitted()) {
      if (outcome.message != null) {
        listener.onMessage(outcome.message);
      }
      close(outcome.status, outcome.trailers == null ? new Metadata() : outcome.trailers);
      return;
    }
    int extraDemand;
    synchronized (this) {
      committed = outcome.call;
      extraDemand = callerDemand - 1;
    }
    listener.onMessage(outcome.message);
    if (extraDemand > 0) {
      outcome.call.request(extraDemand);
    }
    outcome.streamingListener.attach(listener);
  }

  private void close(Status status, Metadata trailers) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    listener.onClose(status, trailers);
  }

  private static Status failureStatus(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof CancellationException) {
      return Status.CANCELLED.withDescription("call cancelled").withCause(cause);
    }
    if (cause instanceof StatusRuntimeException || cause instanceof StatusException) {
      return Status.fromThrowable(cause);
    }
    if (cause instanceof AttemptTimeoutException) {
      return Status.DEADLINE_EXCEEDED.withDescription(cause.getMessage()).withCause(cause);
    }
    if (cause instanceof TailguardException) {
      // Exhausted retries, an open circuit, a budget refusal: the service is unavailable to us now.
      return Status.UNAVAILABLE.withDescription(cause.getMessage()).withCause(cause);
    }
    return Status.UNKNOWN.withDescription(String.valueOf(cause)).withCause(cause);
  }

  @Override
  public void cancel(String message, Throwable cause) {
    ClientCall<?, RespT> target;
    CompletableFuture<AttemptOutcome<RespT>> running = execution;
    synchronized (this) {
      target = committed;
    }
    if (running != null) {
      running.cancel(true);
    }
    if (target != null) {
      target.cancel(message, cause);
    }
    if (running == null && listener != null) {
      close(Status.CANCELLED.withDescription(message).withCause(cause), new Metadata());
    }
  }

  @Override
  public boolean isReady() {
    return true;
  }
}
