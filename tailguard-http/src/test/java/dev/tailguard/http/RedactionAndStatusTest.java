package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactionAndStatusTest {

  @Test
  void credentialsNeverReachALogLine_okhttp3826() {
    HttpHeaders headers = HttpHeaders.of(Map.of(
        "Authorization", List.of("Bearer s3cr3t"), "Cookie", List.of("session=abc"), "Set-Cookie", List.of("id=xyz"),
        "Proxy-Authorization", List.of("Basic cHc="), "Accept", List.of("application/json")), (n, v) -> true);
    String line = Redaction.headers(headers);
    assertThat(line).doesNotContain("s3cr3t", "session=abc", "id=xyz", "cHc=").contains("Accept: application/json", "Authorization: <redacted>");
  }

  @Test
  void tokenLikeQueryParametersAndUserInfoAreRedacted_okhttp7476() {
    String line = Redaction.uri(URI.create("https://alice:pw@api.example.test:8443/v1/items?page=2&access_token=abc&API_KEY=k&sig=zz"));
    assertThat(line).isEqualTo("https://<redacted>@api.example.test:8443/v1/items?page=2&access_token=<redacted>&API_KEY=<redacted>&sig=<redacted>");
    assertThat(Redaction.uri(URI.create("http://127.0.0.1/plain"))).isEqualTo("http://127.0.0.1/plain");
  }

  @Test
  void onlyAllowListedHeadersAreLoggable_everyOtherIsSensitive() {
    assertThat(Redaction.isSensitiveHeader("Authorization")).isTrue();
    assertThat(Redaction.isSensitiveHeader("X-Whatever")).isTrue();
    assertThat(Redaction.isSensitiveHeader("Accept")).isFalse();
    assertThat(Redaction.isSensitiveHeader("ACCEPT")).isFalse();
  }

  @Test
  void percentEncodedParameterNamesAreDecodedBeforeTheyAreJudged_wherePercentSignsAndZeroDigitsStand() {
    // %74 is 't', %70 'p': a name that starts with an escape, and an escape whose low digit is 0.
    assertThat(Redaction.uri(URI.create("http://h/x?%74oken=T1&%70wd=P1&page=2")))
        .isEqualTo("http://h/x?%74oken=<redacted>&%70wd=<redacted>&page=2");
    assertThat(Redaction.isSensitiveParameter("%74oken")).isTrue();
    assertThat(Redaction.uri(URI.create("http://h:0/x?page=1"))).as("an explicit port 0 is kept").isEqualTo("http://h:0/x?page=1");
    // An escape cut short at the end of a name (java.net.URI rejects it; OkHttp's names come raw)
    // is kept as it is, not read past the end.
    assertThat(Redaction.isSensitiveParameter("page%4")).isFalse();
    assertThat(Redaction.isSensitiveParameter("page%")).isFalse();
    assertThat(Redaction.isSensitiveParameter("%6")).isFalse();
  }

  @Test
  void retriesOnlyTransientStatusesByDefault() {
    HttpStatusPolicy policy = HttpStatusPolicy.defaults();
    for (int status : new int[] {408, 429, 502, 503, 504}) {
      assertThat(policy.isRetryable(status)).as("%s", status).isTrue();
    }
    for (int status : new int[] {200, 400, 401, 404, 409, 500, 501, 505}) {
      assertThat(policy.isRetryable(status)).as("%s", status).isFalse();
    }
    assertThat(policy.plus(500).minus(429).isRetryable(500)).isTrue();
    assertThat(policy.plus(500).minus(429).isRetryable(429)).isFalse();
    assertThat(policy.isRetryable(429)).as("the original is unchanged").isTrue();
    assertThatThrownBy(() -> HttpStatusPolicy.of(99)).hasMessage("status must be in [100, 599]: 99");
  }
  @Test
  void aStatusThatIsNotRetryableIsASuccessBelow500AndAFailureFrom500() {
    HttpStatusPolicy policy = HttpStatusPolicy.of(503);
    assertThat(policy.isRetryable(503)).isTrue();
    assertThat(policy.isRetryable(502)).isFalse();
    assertThat(policy.verdict(503, null, true)).isEqualTo(dev.tailguard.Verdict.RETRYABLE);
    assertThat(policy.verdict(503, null, false)).as("not retry-safe").isEqualTo(dev.tailguard.Verdict.NON_RETRYABLE);
    assertThat(policy.verdict(500, null, true)).isEqualTo(dev.tailguard.Verdict.NON_RETRYABLE);
    assertThat(policy.verdict(499, null, true)).isEqualTo(dev.tailguard.Verdict.SUCCESS);
    assertThat(HttpStatusPolicy.defaults()).hasToString("HttpStatusPolicy[408, 429, 502, 503, 504]");
  }
}
