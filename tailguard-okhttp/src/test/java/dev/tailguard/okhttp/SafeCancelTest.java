package dev.tailguard.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Connection;
import okhttp3.Handshake;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.Route;
import okio.Timeout;
import org.junit.jupiter.api.Test;

/**
 * {@link SafeCancel}: an attempt's cancel waits while its HTTP/2 request headers are being
 * written (in OkHttp 4.12 a cancel then leaves the call neither ended nor failed, and its
 * connection leaked) and runs when the write ends; on HTTP/1.1, or between writes, it runs at
 * once, and never twice.
 */
class SafeCancelTest {
  /** A call that only counts cancels. */
  private static final class CountingCall implements Call {
    final AtomicInteger cancels = new AtomicInteger();

    @Override public Request request() {
      return new Request.Builder().url("http://127.0.0.1:9/").build();
    }
    @Override public Response execute() {
      throw new UnsupportedOperationException();
    }
    @Override public void enqueue(Callback callback) {
      throw new UnsupportedOperationException();
    }
    @Override public void cancel() {
      cancels.incrementAndGet();
    }
    @Override public boolean isExecuted() {
      return true;
    }
    @Override public boolean isCanceled() {
      return cancels.get() > 0;
    }
    @Override public Timeout timeout() {
      return Timeout.NONE;
    }
    @Override public Call clone() {
      throw new UnsupportedOperationException();
    }
  }

  private static Connection speaking(Protocol protocol) {
    return new Connection() {
      @Override public Route route() {
        throw new UnsupportedOperationException();
      }
      @Override public Socket socket() {
        throw new UnsupportedOperationException();
      }
      @Override public Handshake handshake() {
        return null;
      }
      @Override public Protocol protocol() {
        return protocol;
      }
    };
  }

  private final CountingCall call = new CountingCall();
  private final SafeCancel gate = new SafeCancel();

  @Test
  void onHttp11ACancelRunsAtOnce() {
    gate.bind(call);
    gate.connectionAcquired(speaking(Protocol.HTTP_1_1));
    gate.headersStarting();

    gate.cancel();

    assertThat(gate.requested()).isTrue();
    assertThat(call.cancels).hasValue(1);
    gate.headersDone();
    assertThat(call.cancels).as("not a second time").hasValue(1);
  }

  @Test
  void onHttp2ACancelWhileHeadersAreWrittenWaitsForTheirEnd() {
    for (Protocol protocol : new Protocol[] {Protocol.HTTP_2, Protocol.H2_PRIOR_KNOWLEDGE}) {
      CountingCall attempt = new CountingCall();
      SafeCancel http2 = new SafeCancel();
      http2.bind(attempt);
      http2.connectionAcquired(speaking(protocol));

      http2.cancel();
      assertThat(attempt.cancels).as("%s: mid header write", protocol).hasValue(0);
      http2.headersDone();
      assertThat(attempt.cancels).as("%s: run when the write ended", protocol).hasValue(1);
    }
  }

  @Test
  void onHttp2ACancelBetweenHeaderWritesRunsAtOnce_andTheNextWriteGuardsAgain() {
    gate.bind(call);
    gate.connectionAcquired(speaking(Protocol.HTTP_2));
    gate.headersDone();
    assertThat(call.cancels).as("nothing was requested").hasValue(0);
    assertThat(gate.requested()).isFalse();

    gate.headersStarting();
    gate.cancel();
    assertThat(call.cancels).hasValue(0);
    gate.headersDone();
    assertThat(call.cancels).hasValue(1);
  }

  @Test
  void aCancelBeforeTheCallIsBoundIsRememberedAndRunWhenItsHeadersEnd() {
    gate.cancel();
    assertThat(gate.requested()).isTrue();

    gate.bind(call);
    gate.connectionAcquired(speaking(Protocol.HTTP_1_1));
    gate.headersDone();

    assertThat(call.cancels).hasValue(1);
  }
}
