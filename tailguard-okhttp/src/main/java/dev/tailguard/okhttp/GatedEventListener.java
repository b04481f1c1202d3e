package dev.tailguard.okhttp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.List;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.Handshake;
import okhttp3.HttpUrl;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The event listener of an attempt's call: the base client's own listener, unchanged, plus the
 * attempt's {@link SafeCancel}, which must know when HTTP/2 request headers are being written.
 * Every event reaches the base client's listener first (the gate's hooks run after it, or before
 * it for the two that open the header window).
 */
final class GatedEventListener extends EventListener {
  private final EventListener inner;
  private final SafeCancel gate;

  private GatedEventListener(EventListener inner, SafeCancel gate) {
    this.inner = inner;
    this.gate = gate;
  }

  /** The attempt clients' factory: {@code base}'s listener, gated when the request carries a {@link SafeCancel}. */
  static EventListener.Factory around(EventListener.Factory base) {
    return call -> {
      EventListener inner = base.create(call);
      SafeCancel gate = call.request().tag(SafeCancel.class);
      return gate == null ? inner : new GatedEventListener(inner, gate);
    };
  }

  @Override
  public void callStart(Call call) {
    inner.callStart(call);
  }

  @Override
  public void proxySelectStart(Call call, HttpUrl url) {
    inner.proxySelectStart(call, url);
  }

  @Override
  public void proxySelectEnd(Call call, HttpUrl url, List<Proxy> proxies) {
    inner.proxySelectEnd(call, url, proxies);
  }

  @Override
  public void dnsStart(Call call, String domainName) {
    inner.dnsStart(call, domainName);
  }

  @Override
  public void dnsEnd(Call call, String domainName, List<InetAddress> addresses) {
    inner.dnsEnd(call, domainName, addresses);
  }

  @Override
  public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
    inner.connectStart(call, address, proxy);
  }

  @Override
  public void secureConnectStart(Call call) {
    inner.secureConnectStart(call);
  }

  @Override
  public void secureConnectEnd(Call call, Handshake handshake) {
    inner.secureConnectEnd(call, handshake);
  }

  @Override
  public void connectEnd(Call call, InetSocketAddress address, Proxy proxy, Protocol protocol) {
    inner.connectEnd(call, address, proxy, protocol);
  }

  @Override
  public void connectFailed(Call call, InetSocketAddress address, Proxy proxy, Protocol protocol, IOException failure) {
    try {
      inner.connectFailed(call, address, proxy, protocol, failure);
    } finally {
      gate.headersDone();
    }
  }

  @Override
  public void connectionAcquired(Call call, Connection connection) {
    gate.connectionAcquired(connection);
    inner.connectionAcquired(call, connection);
  }

  @Override
  public void connectionReleased(Call call, Connection connection) {
    inner.connectionReleased(call, connection);
  }

  @Override
  public void requestHeadersStart(Call call) {
    gate.headersStarting();
    inner.requestHeadersStart(call);
  }

  @Override
  public void requestHeadersEnd(Call call, Request request) {
    try {
      inner.requestHeadersEnd(call, request);
    } finally {
      gate.headersDone();
    }
  }

  @Override
  public void requestBodyStart(Call call) {
    inner.requestBodyStart(call);
  }

  @Override
  public void requestBodyEnd(Call call, long byteCount) {
    inner.requestBodyEnd(call, byteCount);
  }

  @Override
  public void requestFailed(Call call, IOException failure) {
    try {
      inner.requestFailed(call, failure);
    } finally {
      gate.headersDone();
    }
  }

  @Override
  public void responseHeadersStart(Call call) {
    inner.responseHeadersStart(call);
  }

  @Override
  public void responseHeadersEnd(Call call, Response response) {
    inner.responseHeadersEnd(call, response);
  }

  @Override
  public void responseBodyStart(Call call) {
    inner.responseBodyStart(call);
  }

  @Override
  public void responseBodyEnd(Call call, long byteCount) {
    inner.responseBodyEnd(call, byteCount);
  }

  @Override
  public void responseFailed(Call call, IOException failure) {
    try {
      inner.responseFailed(call, failure);
    } finally {
      gate.headersDone();
    }
  }

  @Override
  public void callEnd(Call call) {
    try {
      inner.callEnd(call);
    } finally {
      gate.headersDone();
    }
  }

  @Override
  public void callFailed(Call call, IOException failure) {
    try {
      inner.callFailed(call, failure);
    } finally {
      gate.headersDone();
    }
  }

  @Override
  public void canceled(Call call) {
    inner.canceled(call);
  }

  @Override
  public void satisfactionFailure(Call call, Response response) {
    inner.satisfactionFailure(call, response);
  }

  @Override
  public void cacheHit(Call call, Response cachedResponse) {
    inner.cacheHit(call, cachedResponse);
  }

  @Override
  public void cacheMiss(Call call) {
    inner.cacheMiss(call);
  }

  @Override
  public void cacheConditionalHit(Call call, Response cachedResponseUsingNetwork) {
    inner.cacheConditionalHit(call, cachedResponseUsingNetwork);
  }
}
