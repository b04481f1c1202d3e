package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * README "Failures": which failures prove the request never left the client, so that every
 * method may be retried (both adapters classify with {@link NeverSent}).
 */
class NeverSentTest {
  @Test
  void refusedConnectsConnectTimeoutsAndUnknownHosts_neverLeftTheClient_evenWrapped() {
    assertThat(NeverSent.isNeverSent(new ConnectException("Connection refused"))).isTrue();
    assertThat(NeverSent.isNeverSent(new HttpConnectTimeoutException("HTTP connect timed out"))).isTrue();
    assertThat(NeverSent.isNeverSent(new UnknownHostException("no.such.host.invalid"))).isTrue();
    assertThat(NeverSent.isNeverSent(new IOException("wrapped", new IOException(new ConnectException("refused"))))).isTrue();
  }

  @Test
  void failuresAfterTheRequestMayHaveReachedTheServer() {
    assertThat(NeverSent.isNeverSent(new IOException("Connection reset"))).isFalse();
    assertThat(NeverSent.isNeverSent(new java.net.http.HttpTimeoutException("request timed out"))).isFalse();
    assertThat(NeverSent.isNeverSent(new java.net.ProtocolException("Invalid status line"))).isFalse();
  }
  @Test
  void theCauseChainIsSearchedEightDeep_notFurther() {
    assertThat(NeverSent.isNeverSent(wrapped(new ConnectException("refused"), 7))).as("the eighth link").isTrue();
    assertThat(NeverSent.isNeverSent(wrapped(new ConnectException("refused"), 8))).as("the ninth link").isFalse();
  }

  private static Throwable wrapped(Throwable root, int times) {
    Throwable current = root;
    for (int i = 0; i < times; i++) {
      current = new IOException("wrapper " + i, current);
    }
    return current;
  }
}
