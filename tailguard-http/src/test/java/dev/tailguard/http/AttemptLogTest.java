package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;

class AttemptLogTest {
  @Test
  void attemptLogLinesNeverCarryCredentialsOrBodies() {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://user:pw@127.0.0.1:8080/pay?access_token=s3cr3t&page=2"))
        .header("Authorization", "Bearer abc.def")
        .header("Proxy-Authorization", "Basic Zm9vOmJhcg==")
        .header("Cookie", "session=xyz")
        .header("Accept", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("card=4242424242424242"))
        .build();

    String line = AttemptLog.line(request, 2, null, new java.io.IOException("echoing card=4242424242424242"), 12_000_000);

    assertThat(line).contains("attempt 2 POST", "page=2", "Accept: text/plain", "java.io.IOException", "12 ms")
        .doesNotContain("s3cr3t", "abc.def", "Zm9vOmJhcg==", "session=xyz", "pw@", "4242");
  }
}
