package dev.tailguard.okhttp;

import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.Protocol;

/**
 * Cancels one attempt's {@link Call}, but never while OkHttp writes its HTTP/2 request headers.
 *
 * <p>Why: in OkHttp 4.12, a {@code cancel()} that lands while {@code Http2ExchangeCodec} creates
 * the stream makes {@code writeRequestHeaders} fail with "Canceled" after the headers went out. If
 * the whole answer has already arrived, OkHttp reads it anyway, but the request side of the
 * exchange is never marked done: the call then reports neither {@code callEnd} nor {@code
 * callFailed}, keeps its connection allocation, and the pool later logs "A connection to ... was
 * leaked". Measured on h2c with hedged calls at {@code HedgeDelay.fixed(0)}: about 1 call in 500
 * before this gate. So a cancel asked for between the moment the call has a connection (or starts
 * writing headers) and the end of the header write waits for that write to end, then runs. HTTP/1.1
 * calls are cancelled at once (closing the socket is safe there). The deferral is bounded by the
 * header write, itself bounded by OkHttp's write timeout.
 *
 * <p>One instance per attempt, carried as the attempt request's tag and driven by the attempt
 * client's event listener ({@link GatedEventListener}). Thread-safe.
 */
final class SafeCancel {
  private Call call;
  private boolean http2;
  private boolean writingHeaders;
  private boolean cancelRequested;

  /** The call this gate cancels; set once, right after the call is created. */
  synchronized void bind(Call call) {
    this.call = call;
  }

  /**
   * Cancels the call now, or as soon as its HTTP/2 request headers are written. The immediate
   * cancel runs under the gate's lock, so the call cannot slip into a header write meanwhile;
   * {@code Call.cancel()} does not block.
   */
  synchronized void cancel() {
    cancelRequested = true;
    // Mid header write on HTTP/2: the write's end runs the cancel (see the class comment).
    if (writingHeaders || call == null) {
      return;
    }
    call.cancel();
  }

  /** Whether a cancel was asked for, run or still waiting for the header write. */
  synchronized boolean requested() {
    return cancelRequested;
  }

  synchronized void connectionAcquired(Connection connection) {
    http2 = connection.protocol() == Protocol.HTTP_2 || connection.protocol() == Protocol.H2_PRIOR_KNOWLEDGE;
    writingHeaders = http2;
  }

  synchronized void headersStarting() {
    writingHeaders = http2;
  }

  /** The header write ended (written, failed, or the call is over): a waiting cancel runs now. */
  void headersDone() {
    Call target;
    synchronized (this) {
      writingHeaders = false;
      target = cancelRequested ? call : null;
    }
    if (target != null && !target.isCanceled()) {
      target.cancel();
    }
  }
}
