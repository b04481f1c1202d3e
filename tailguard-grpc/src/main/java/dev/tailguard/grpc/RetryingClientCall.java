package dev.tailguard.grpc;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.AttemptContext;
import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.Verdict;
import dev.tailguard.time.Cancellable;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One logical call made of attempts. The caller's single request message is kept (up to the
 * replay cap) and sent on each attempt; the engine from core decides retries and hedges; the
 * winning attempt's response reaches the caller's listener, and for a server-streaming call the
 * rest of its stream follows. Losers are cancelled, so their servers see their Context cancelled.
 *
 * <p>As gRFC A6 says, the call's deadline (the earlier of the CallOptions' and the caller's
 * Context's) bounds all attempts and the waits between them, and every attempt runs in the
 * caller's Context, so its deadline and cancellation reach each attempt's server.
 */
final class RetryingClientCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
  /** gRFC A6: how many attempts came before this one. */
  static final Metadata.Key<String> PREVIOUS_ATTEMPTS = Metadata.Key.of("grpc-previous-rpc-attempts", Metadata.ASCII_STRING_MARSHALLER);

  private final MethodDescriptor<ReqT, RespT> method;
  private final CallOptions callOptions;
  private final Channel next;
  private final GrpcPolicy policy;
  private final boolean streaming;
  /** The caller's Context, captured on the caller's thread: attempts after the first start elsewhere. */
  private final Context context;
  /** The earlier of the CallOptions' and the Context's deadline, or null. */
  private final Deadline deadline;
  private final Context.CancellationListener onContextCancelled = cancelled -> endEarly(CallStatuses.fromCancelledContext(cancelled));

  private Listener<RespT> listener;
  private Metadata headers;
  private ReqT message;
  private boolean replayable = true;
  private int callerDemand;
  private ClientCall<?, RespT> committed;
  private boolean closed;
  private boolean cancelled;
  private Cancellable deadlineTimer;
  private volatile CompletableFuture<AttemptOutcome<RespT>> execution;

  RetryingClientCall(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next, GrpcPolicy policy) {
    this.method = method;
    this.callOptions = callOptions;
    this.next = next;
    this.policy = policy;
    this.streaming = method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
    this.context = Context.current();
    Deadline fromOptions = callOptions.getDeadline();
    Deadline fromContext = context.getDeadline();
    this.deadline = fromOptions == null ? fromContext : fromContext == null ? fromOptions : fromOptions.minimum(fromContext);
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
    synchronized (this) {
      // A call cancelled (or already ended) before it was sent is never sent.
      if (cancelled || closed) {
        return;
      }
    }
    // A Context already cancelled, or a deadline already passed, sends nothing (as gRPC's own calls).
    if (context.isCancelled()) {
      endEarly(CallStatuses.fromCancelledContext(context));
      return;
    }
    if (deadline != null && deadline.isExpired()) {
      endEarly(Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed before it started"));
      return;
    }
    context.addListener(onContextCancelled, Runnable::run);
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
    armDeadline();
    running.whenComplete(this::deliver);
  }

  /** Ends the call at its CallOptions deadline, even during a backoff (the Context's ends it by itself). */
  private void armDeadline() {
    Deadline fromOptions = callOptions.getDeadline();
    if (fromOptions == null) {
      return;
    }
    long nanos = Math.max(0, fromOptions.timeRemaining(TimeUnit.NANOSECONDS));
    Cancellable timer = policy.scheduler().schedule(
        () -> endEarly(Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed")), Duration.ofNanos(nanos));
    boolean alreadyClosed;
    synchronized (this) {
      alreadyClosed = closed;
      deadlineTimer = timer;
    }
    if (alreadyClosed) {
      timer.cancel();
    }
  }

  private Verdict verdict(AttemptOutcome<RespT> outcome, Throwable error) {
    if (error == null && (outcome.isCommitted() || outcome.status.isOk())) {
      return Verdict.SUCCESS;
    }
    // Once the call's deadline has passed or its Context is cancelled, nothing is worth another attempt.
    if (context.isCancelled() || (deadline != null && deadline.isExpired())) {
      return Verdict.NON_RETRYABLE;
    }
    // A request too large to keep can never be sent again.
    if (!replayable) {
      return Verdict.NON_RETRYABLE;
    }
    // Tailguard's own per-attempt timeout is the client-side twin of DEADLINE_EXCEEDED.
    Status status = error == null ? outcome.status
        : error instanceof AttemptTimeoutException ? Status.DEADLINE_EXCEEDED : Status.fromThrowable(error);
    return policy.retryableCodes().contains(status.getCode()) ? Verdict.RETRYABLE : Verdict.NON_RETRYABLE;
  }

  /** The shorter of the retry's per-attempt allowance and the pipeline's timeout; -1 for none. */
  private long attemptTimeoutNanos(AttemptContext attemptContext) {
    long retry = attemptContext.timeout().map(Duration::toNanos).orElse(-1L);
    long pipeline = policy.timeout() == null ? -1 : policy.timeout().duration().toNanos();
    if (retry < 0 || pipeline < 0) {
      return Math.max(retry, pipeline);
    }
    return Math.min(retry, pipeline);
  }

  private CompletableFuture<AttemptOutcome<RespT>> startAttempt(AttemptContext attemptContext) {
    // Hedges and retries start on the scheduler's thread: run them in the caller's Context so that
    // its deadline (as grpc-timeout) and cancellation reach every attempt's server.
    Context previous = context.attach();
    try {
      return startAttemptInContext(attemptContext);
    } finally {
      context.detach(previous);
    }
  }

  private CompletableFuture<AttemptOutcome<RespT>> startAttemptInContext(AttemptContext attemptContext) {
    CallOptions options = callOptions;
    long attemptNanos = attemptTimeoutNanos(attemptContext);
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
    if (attemptContext.attempt() > 1) {
      attemptHeaders.put(PREVIOUS_ATTEMPTS, Integer.toString(attemptContext.attempt() - 1));
    }
    // Tailguard cancels an attempt in one of two ways (the engine's hook, or the future it was
    // given); either way the attempt is cancelled once.
    AtomicBoolean cancelledOnce = new AtomicBoolean();
    Runnable cancelAttempt = () -> {
      if (cancelledOnce.compareAndSet(false, true)) {
        call.cancel("Tailguard cancelled this attempt (a hedge that lost, a timeout, or the call ended)", null);
      }
    };
    attemptContext.onCancel(cancelAttempt);
    outcome.whenComplete((result, error) -> {
      if (outcome.isCancelled()) {
        cancelAttempt.run();
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
    onExecutor(() -> deliverNow(outcome, error));
  }

  private void onExecutor(Runnable task) {
    Executor executor = callOptions.getExecutor();
    if (executor == null) {
      task.run();
    } else {
      executor.execute(task);
    }
  }

  private void deliverNow(AttemptOutcome<RespT> outcome, Throwable error) {
    if (error != null) {
      closeNow(CallStatuses.fromFailure(error), new Metadata());
      return;
    }
    if (!outcome.isCommitted()) {
      if (!markClosed()) {
        return;
      }
      if (outcome.headers != null) {
        listener.onHeaders(outcome.headers);
      }
      if (outcome.message != null) {
        listener.onMessage(outcome.message);
      }
      listener.onClose(outcome.status, outcome.trailers == null ? new Metadata() : outcome.trailers);
      return;
    }
    int extraDemand;
    synchronized (this) {
      if (closed) {
        // The call ended (deadline, cancellation) while this attempt was committing.
        outcome.call.cancel("Tailguard: the call already ended", null);
        return;
      }
      committed = outcome.call;
      extraDemand = callerDemand - 1;
    }
    if (outcome.headers != null) {
      listener.onHeaders(outcome.headers);
    }
    listener.onMessage(outcome.message);
    if (extraDemand > 0) {
      outcome.call.request(extraDemand);
    }
    outcome.streamingListener.attach(new ForwardingToCaller());
  }

  /** The committed stream's events, to the caller; its close also releases the call's timer and Context listener. */
  private final class ForwardingToCaller extends Listener<RespT> {
    @Override
    public void onMessage(RespT response) {
      listener.onMessage(response);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      closeNow(status, trailers);
    }
  }

  /**
   * Ends the call before the engine has an answer: the deadline passed or the Context was
   * cancelled. A committed stream ends by itself (its attempt has the same deadline and Context).
   */
  private void endEarly(Status status) {
    CompletableFuture<AttemptOutcome<RespT>> running = execution;
    synchronized (this) {
      if (committed != null || closed) {
        return;
      }
    }
    close(status);
    if (running != null) {
      running.cancel(true);
    }
  }

  /** Marks the call closed and releases its timer and Context listener; false if it already was. */
  private boolean markClosed() {
    Cancellable timer;
    synchronized (this) {
      if (closed) {
        return false;
      }
      closed = true;
      timer = deadlineTimer;
    }
    if (timer != null) {
      timer.cancel();
    }
    context.removeListener(onContextCancelled);
    return true;
  }

  /** Closes the call from any thread; the caller's listener hears of it on the call's executor. */
  private void close(Status status) {
    if (markClosed()) {
      onExecutor(() -> listener.onClose(status, new Metadata()));
    }
  }

  /** Closes the call; for code already on the call's executor. */
  private void closeNow(Status status, Metadata trailers) {
    if (markClosed()) {
      listener.onClose(status, trailers);
    }
  }

  @Override
  public void cancel(String message, Throwable cause) {
    ClientCall<?, RespT> target;
    CompletableFuture<AttemptOutcome<RespT>> running = execution;
    synchronized (this) {
      cancelled = true;
      target = committed;
    }
    if (target != null) {
      // gRPC makes the message the CANCELLED status's description: keep it to one clean line.
      target.cancel(message == null ? null : CallStatuses.oneLine(message), cause);
      return;
    }
    if (listener != null) {
      close(CallStatuses.cancelledByCaller(message, cause));
    }
    if (running != null) {
      running.cancel(true);
    }
  }

  @Override
  public boolean isReady() {
    return true;
  }
}
