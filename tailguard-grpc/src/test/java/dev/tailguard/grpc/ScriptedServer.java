package dev.tailguard.grpc;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC server (in-process or Netty on 127.0.0.1) whose n-th attempt follows the n-th step of
 * a script (the last step repeats), recording what each attempt's headers and deadline said.
 */
final class ScriptedServer implements AutoCloseable {
  /** What the server saw of one attempt: its grpc-previous-rpc-attempts and whether it had a grpc-timeout. */
  record AttemptSeen(String previousAttempts, boolean hadTimeout) implements Comparable<AttemptSeen> {
    @Override
    public int compareTo(AttemptSeen other) {
      return toString().compareTo(other.toString());
    }
  }

  private final List<EchoService.Step> script;
  private final AtomicInteger calls = new AtomicInteger();
  private final List<AttemptSeen> attempts = new CopyOnWriteArrayList<>();
  private final Server server;
  final String inProcessName;

  ScriptedServer(boolean netty, List<EchoService.Step> script) throws IOException {
    this.script = List.copyOf(script);
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Echo")
        .addMethod(EchoService.UNARY, ServerCalls.asyncUnaryCall(this::handle))
        .addMethod(EchoService.STREAM, ServerCalls.asyncServerStreamingCall(this::handle))
        .build();
    ServerInterceptor record = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        // The server turns grpc-timeout into the Context's deadline.
        attempts.add(new AttemptSeen(String.valueOf(headers.get(EchoService.PREVIOUS)), Context.current().getDeadline() != null));
        return next.startCall(call, headers);
      }
    };
    ServerServiceDefinition recorded = ServerInterceptors.intercept(service, record);
    if (netty) {
      inProcessName = null;
      server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(recorded).build().start();
    } else {
      inProcessName = InProcessServerBuilder.generateName();
      server = InProcessServerBuilder.forName(inProcessName).addService(recorded).build().start();
    }
  }

  int port() {
    return server.getPort();
  }

  /** The attempts seen so far, sorted (hedges may arrive in any order). */
  List<AttemptSeen> attempts() {
    List<AttemptSeen> sorted = new ArrayList<>(attempts);
    sorted.sort(null);
    return sorted;
  }

  private void handle(String request, StreamObserver<String> responses) {
    int n = calls.getAndIncrement();
    script.get(Math.min(n, script.size() - 1)).run(request, responses);
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
