package dev.tailguard.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.RetryPolicy;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link RetryingClientCall} on a channel that answers from a script, without a server: the replay
 * cap's edge, an unmeasurable request, calls that end before they are sent, and how demand and
 * headers reach each attempt.
 */
class RetryingClientCallUnitTest {
  /** Each attempt closes with the next scripted status; OK answers "pong". Records what attempts were sent. */
  private static final class ScriptedChannel extends Channel {
    final Queue<Status> script = new ArrayDeque<>();
    final List<Metadata> headers = new CopyOnWriteArrayList<>();
    final List<Integer> requested = new CopyOnWriteArrayList<>();

    ScriptedChannel(Status... statuses) {
      script.addAll(List.of(statuses));
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions) {
      return new ClientCall<>() {
        private Listener<RespT> listener;

        @Override
        public void start(Listener<RespT> responseListener, Metadata attemptHeaders) {
          listener = responseListener;
          headers.add(attemptHeaders);
        }

        @Override
        public void request(int numMessages) {
          requested.add(numMessages);
        }

        @Override
        public void cancel(String message, Throwable cause) {}

        @Override
        public void halfClose() {
          Status status = script.isEmpty() ? Status.OK : script.poll();
          if (status.isOk()) {
            @SuppressWarnings("unchecked")
            RespT pong = (RespT) "pong";
            listener.onMessage(pong);
          }
          listener.onClose(status, new Metadata());
        }

        @Override
        public void sendMessage(ReqT message) {}
      };
    }

    @Override
    public String authority() {
      return "scripted";
    }
  }

  private static final GrpcPolicy THREE_ATTEMPTS = GrpcPolicy.builder()
      .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.none()).build()).maxReplayBytes(4).build();

  private static Channel intercepted(ScriptedChannel channel) {
    return ClientInterceptors.intercept(channel, TailguardClientInterceptor.of(THREE_ATTEMPTS));
  }

  @Test
  void aRequestOfExactlyTheReplayCapIsRetriedAndOneByteMoreIsSentOnce() {
    ScriptedChannel atCap = new ScriptedChannel(Status.UNAVAILABLE);
    assertThat(ClientCalls.blockingUnaryCall(intercepted(atCap), EchoService.UNARY, CallOptions.DEFAULT, "abcd")).isEqualTo("pong");
    assertThat(atCap.headers).hasSize(2);
    assertThat(atCap.headers.get(1).get(EchoService.PREVIOUS)).isEqualTo("1");
    assertThat(atCap.headers.get(0).get(EchoService.PREVIOUS)).isNull();

    ScriptedChannel over = new ScriptedChannel(Status.UNAVAILABLE);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(intercepted(over), EchoService.UNARY, CallOptions.DEFAULT, "abcde"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(over.headers).hasSize(1);
  }

  @Test
  void aLargeRequestIsMeasuredOnlyUpToTheCap() {
    GrpcPolicy big = GrpcPolicy.builder().retry(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.none()).build())
        .maxReplayBytes(10_000).build();
    ScriptedChannel atCap = new ScriptedChannel(Status.UNAVAILABLE);
    Channel channel = ClientInterceptors.intercept(atCap, TailguardClientInterceptor.of(big));
    assertThat(ClientCalls.blockingUnaryCall(channel, EchoService.UNARY, CallOptions.DEFAULT, "x".repeat(10_000))).isEqualTo("pong");
    assertThat(atCap.headers).as("10,000 bytes read in two buffers is still at the cap").hasSize(2);
    ScriptedChannel over = new ScriptedChannel(Status.UNAVAILABLE);
    Channel overChannel = ClientInterceptors.intercept(over, TailguardClientInterceptor.of(big));
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(overChannel, EchoService.UNARY, CallOptions.DEFAULT, "x".repeat(10_001)))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(over.headers).hasSize(1);
  }

  @Test
  void aRequestThatCannotBeMeasuredIsNeverReplayed() {
    MethodDescriptor.Marshaller<String> unreadable = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(String value) {
        return new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("unreadable");
          }
        };
      }

      @Override
      public String parse(InputStream stream) {
        return EchoService.STRING.parse(stream);
      }
    };
    MethodDescriptor<String, String> method = EchoService.UNARY.toBuilder(unreadable, EchoService.STRING).build();
    ScriptedChannel channel = new ScriptedChannel(Status.UNAVAILABLE);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(intercepted(channel), method, CallOptions.DEFAULT, "a"))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(channel.headers).hasSize(1);
  }

  @Test
  void aSecondRequestMessageIsRefused() {
    ClientCall<String, String> call = intercepted(new ScriptedChannel()).newCall(EchoService.UNARY, CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() { }, new Metadata());
    call.sendMessage("one");
    assertThatThrownBy(() -> call.sendMessage("two")).isInstanceOf(IllegalStateException.class)
        .hasMessage("test.Echo/Unary is UNARY: one request message only");
    assertThat(call.isReady()).isTrue();
  }

  @Test
  void aCallWhoseDeadlineOrContextEndedBeforeItWasSentSendsNothing() throws Exception {
    ScriptedChannel channel = new ScriptedChannel();
    AtomicReference<Status> closed = new AtomicReference<>();
    ClientCall<String, String> late = intercepted(channel).newCall(EchoService.UNARY,
        CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.NANOSECONDS));
    late.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.set(status);
      }
    }, new Metadata());
    late.request(1);
    late.sendMessage("ping");
    // A deadline of one nanosecond has passed by now.
    while (!io.grpc.Deadline.after(0, TimeUnit.NANOSECONDS).isExpired()) {
      Thread.onSpinWait();
    }
    late.halfClose();
    assertThat(closed.get().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(closed.get().getDescription()).isEqualTo("the call's deadline passed before it started");
    assertThat(channel.headers).isEmpty();

    Context.CancellableContext cancelled = Context.current().withCancellation();
    AtomicReference<Status> cancelledStatus = new AtomicReference<>();
    ClientCall<String, String> call = cancelled.call(() -> intercepted(channel).newCall(EchoService.UNARY, CallOptions.DEFAULT));
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        cancelledStatus.set(status);
      }
    }, new Metadata());
    call.sendMessage("ping");
    cancelled.cancel(null);
    call.halfClose();
    assertThat(cancelledStatus.get().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(channel.headers).isEmpty();
  }

  @Test
  void eachAttemptCarriesTheCallersHeadersAndAsksForTwoUnaryMessages() throws InterruptedException {
    Metadata.Key<String> tenant = Metadata.Key.of("tenant", Metadata.ASCII_STRING_MARSHALLER);
    ScriptedChannel channel = new ScriptedChannel(Status.UNAVAILABLE);
    AtomicReference<String> answer = new AtomicReference<>();
    ClientCall<String, String> call = intercepted(channel).newCall(EchoService.UNARY, CallOptions.DEFAULT);
    Metadata headers = new Metadata();
    headers.put(tenant, "acme");
    java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(String message) {
        answer.set(message);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.countDown();
      }
    }, headers);
    call.request(1);
    call.sendMessage("ping");
    call.halfClose();
    // The retry starts on the scheduler's thread.
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(answer.get()).isEqualTo("pong");
    assertThat(channel.headers).hasSize(2).allSatisfy(sent -> assertThat(sent.get(tenant)).isEqualTo("acme"));
    assertThat(channel.requested).containsExactly(2, 2);
  }
}
