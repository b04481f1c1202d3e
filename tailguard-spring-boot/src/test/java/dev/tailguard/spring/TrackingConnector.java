package dev.tailguard.spring;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;
import org.springframework.http.client.reactive.ClientHttpResponseDecorator;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A JDK connector that records, for each response, whether its body was read or released. */
final class TrackingConnector implements ClientHttpConnector {
  private final ClientHttpConnector delegate = new JdkClientHttpConnector();
  final List<AtomicBoolean> released = new CopyOnWriteArrayList<>();

  @Override
  public Mono<ClientHttpResponse> connect(HttpMethod method, URI uri, Function<? super ClientHttpRequest, Mono<Void>> callback) {
    return delegate.connect(method, uri, callback).map(response -> {
      AtomicBoolean done = new AtomicBoolean();
      released.add(done);
      return new ClientHttpResponseDecorator(response) {
        @Override
        public Flux<DataBuffer> getBody() {
          return super.getBody().doFinally(signal -> done.set(true));
        }
      };
    });
  }

  boolean allReleased() {
    return released.stream().allMatch(AtomicBoolean::get);
  }
}
