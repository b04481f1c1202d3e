package dev.tailguard.grpc;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test service without protoc: string messages, a unary and a server-streaming method. The n-th
 * call (from 0) follows the n-th script step; the service records what each call's headers said
 * and which calls saw their Context cancelled.
 */
final class EchoService {
  static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
  static final MethodDescriptor<String, String> UNARY = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Echo/Unary")
      .setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();
  static final MethodDescriptor<String, String> STREAM = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.SERVER_STREAMING).setFullMethodName("test.Echo/Stream")
      .setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();
  static final Metadata.Key<String> PREVIOUS = Metadata.Key.of("grpc-previous-rpc-attempts", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> PUSHBACK = Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  /** What one call does. */
  interface Step {
    void run(String request, StreamObserver<String> responses);
  }

  static Step ok(String... messages) {
    return (request, responses) -> {
      for (String message : messages) {
        responses.onNext(message);
      }
      responses.onCompleted();
    };
  }

  static Step fail(Status status) {
    return (request, responses) -> responses.onError(status.asRuntimeException());
  }

  static Step failWithPushback(String pushback) {
    return (request, responses) -> {
      Metadata trailers = new Metadata();
      trailers.put(PUSHBACK, pushback);
      responses.onError(Status.UNAVAILABLE.asRuntimeException(trailers));
    };
  }

  static Step hang() {
    return (request, responses) -> {};
  }

  static Step sendThenFail(String message, Status status) {
    return (request, responses) -> {
      responses.onNext(message);
      responses.onError(status.asRuntimeException());
    };
  }

  private final List<Step> script;
  private final AtomicInteger calls = new AtomicInteger();
  final List<String> previousAttempts = new CopyOnWriteArrayList<>();
  final List<Integer> cancelledCalls = new CopyOnWriteArrayList<>();
  /** Each call's deadline as the server saw it (grpc-timeout), or null. */
  final List<io.grpc.Deadline> deadlines = new CopyOnWriteArrayList<>();
  final List<String> requests = new CopyOnWriteArrayList<>();

  EchoService(Step... script) {
    this.script = List.of(script);
  }

  int calls() {
    return calls.get();
  }

  ServerServiceDefinition definition() {
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Echo")
        .addMethod(UNARY, ServerCalls.asyncUnaryCall(this::handle))
        .addMethod(STREAM, ServerCalls.asyncServerStreamingCall(this::handle))
        .build();
    ServerInterceptor recordHeaders = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        previousAttempts.add(String.valueOf(headers.get(PREVIOUS)));
        return next.startCall(call, headers);
      }
    };
    return ServerInterceptors.intercept(service, recordHeaders);
  }

  private void handle(String request, StreamObserver<String> responses) {
    int n = calls.getAndIncrement();
    requests.add(request);
    Context.current().addListener(context -> cancelledCalls.add(n), Runnable::run);
    deadlines.add(Context.current().getDeadline());
    script.get(Math.min(n, script.size() - 1)).run(request, responses);
  }
}
