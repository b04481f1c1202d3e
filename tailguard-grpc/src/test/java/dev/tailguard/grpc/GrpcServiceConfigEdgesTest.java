package dev.tailguard.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryPolicy;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The edges of {@link GrpcServiceConfig}'s import and export, of {@link ProtoDurations} and of
 * the pushback trailer: every bound at its last accepted and first refused value, and the
 * messages that name what was wrong. (The fuzz targets cover the same parsers, but PIT leaves
 * them out.)
 */
class GrpcServiceConfigEdgesTest {
  private static String retry(String fields) {
    return "{\"methodConfig\": [{\"name\": [{\"service\": \"a.B\"}], \"retryPolicy\": {" + fields + "}}]}";
  }

  private static final String GOOD_RETRY =
      "\"maxAttempts\": 3, \"initialBackoff\": \"0.1s\", \"maxBackoff\": \"1s\", \"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAILABLE\"]";

  private static String retryWith(String field, String value) {
    JsonObject fields = JsonParser.parseString("{" + GOOD_RETRY + "}").getAsJsonObject();
    if (value == null) {
      fields.remove(field);
    } else {
      fields.add(field, JsonParser.parseString(value));
    }
    String text = fields.toString();
    return retry(text.substring(1, text.length() - 1));
  }

  private static String hedge(String fields) {
    return "{\"methodConfig\": [{\"name\": [{\"service\": \"a.B\"}], \"hedgingPolicy\": {" + fields + "}}]}";
  }

  private static void assertError(String json, String message) {
    assertThatThrownBy(() -> GrpcServiceConfig.fromJson(json)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  private static GrpcPolicy policy(String json) {
    return GrpcServiceConfig.fromJson(json).policyFor("a.B/C");
  }

  // ---- nesting ----

  private static String nested(int depth) {
    // The root object is one level, methodConfig's array another.
    return "{\"methodConfig\": " + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
  }

  @Test
  void aHundredLevelsAreReadAndAHundredAndOneAreNot() {
    assertThatThrownBy(() -> GrpcServiceConfig.fromJson(nested(100))).hasMessageNotContaining("nests deeper");
    assertThatThrownBy(() -> GrpcServiceConfig.fromJson(nested(101)))
        .hasMessage("service config nests deeper than 100 levels (at character 116)");
  }

  @Test
  void bracketsInsideStringsDoNotCountAsNesting() {
    String brackets = "[".repeat(150);
    String json = "{\"methodConfig\": [{\"name\": [{\"service\": \"a\\\"" + brackets + "\"}]}], \"note\": \"}}}}]]]]\\\\\"}";
    GrpcServiceConfig config = GrpcServiceConfig.fromJson(json);
    assertThat(config.methods()).hasSize(1);
    assertThat(config.methods().get(0).names().get(0).service()).isEqualTo("a\"" + brackets);
    // Closing brackets bring the depth back down: many shallow siblings are fine.
    String siblings = "{\"methodConfig\": [" + "{\"name\": [{\"service\": \"s%d\"}]},".repeat(0) + "]}";
    StringBuilder wide = new StringBuilder("{\"methodConfig\": [");
    for (int i = 0; i < 150; i++) {
      wide.append(i == 0 ? "" : ",").append("{\"name\": [{\"service\": \"s").append(i).append("\"}]}");
    }
    assertThat(GrpcServiceConfig.fromJson(wide.append("]}").toString()).methods()).hasSize(150);
    assertThat(GrpcServiceConfig.fromJson(siblings).methods()).isEmpty();
  }

  // ---- retryPolicy ----

  @Test
  void maxAttemptsRunsFromTwoAndCountsAsAtMostFive() {
    assertThat(policy(retryWith("maxAttempts", "2")).retry().maxAttempts()).isEqualTo(2);
    assertThat(policy(retryWith("maxAttempts", "5")).retry().maxAttempts()).isEqualTo(5);
    assertThat(policy(retryWith("maxAttempts", "6")).retry().maxAttempts()).isEqualTo(5);
    assertError(retryWith("maxAttempts", "2.5"),
        "methodConfig[0].retryPolicy.maxAttempts must be an integer in [2, 2147483647]: 2.5");
    assertError(retryWith("maxAttempts", "\"3\""), "methodConfig[0].retryPolicy.maxAttempts must be a number: \"3\"");
    assertError(retryWith("maxAttempts", "1e10"),
        "methodConfig[0].retryPolicy.maxAttempts must be an integer in [2, 2147483647]: 1e10");
  }

  @Test
  void theMultiplierIsAFiniteNumberOfAtLeastOne() {
    assertThat(policy(retryWith("backoffMultiplier", "1")).retry().backoff().multiplier()).isEqualTo(1.0);
    assertError(retryWith("backoffMultiplier", "0.99"),
        "methodConfig[0].retryPolicy.backoffMultiplier must be a finite number >= 1: 0.99");
    assertError(retryWith("backoffMultiplier", "1e400"),
        "methodConfig[0].retryPolicy.backoffMultiplier must be a finite number >= 1: 1e400");
    assertError(retryWith("backoffMultiplier", "[2]"),
        "methodConfig[0].retryPolicy.backoffMultiplier must be a number: an array");
  }

  @Test
  void theMaxBackoffMayEqualTheInitialButNotBeShorter() {
    assertThat(policy(retryWith("maxBackoff", "\"0.1s\"")).retry().backoff().max()).isEqualTo(Duration.ofMillis(100));
    assertError(retryWith("maxBackoff", "\"0.099s\""),
        "methodConfig[0].retryPolicy.maxBackoff must be >= initialBackoff: \"0.099s\"");
    assertError(retryWith("maxBackoff", "\"0s\""),
        "methodConfig[0].retryPolicy.maxBackoff must be a positive duration like \"0.1s\": \"0s\"");
    assertError(retryWith("maxBackoff", "1"), "methodConfig[0].retryPolicy.maxBackoff must be a string: 1");
    assertError(retryWith("maxBackoff", "null"), "methodConfig[0].retryPolicy.maxBackoff is required");
  }

  @Test
  void statusCodesAreNamesOrNumbersOfRealNonOkCodes() {
    assertThat(policy(retryWith("retryableStatusCodes", "[14, 1, 16, \"ABORTED\"]")).retryableCodes())
        .containsExactlyInAnyOrder(Status.Code.UNAVAILABLE, Status.Code.CANCELLED, Status.Code.UNAUTHENTICATED, Status.Code.ABORTED);
    for (String bad : new String[] {"0", "17", "-1", "14.5", "\"OK\"", "\"unavailable\""}) {
      assertError(retryWith("retryableStatusCodes", "[14, " + bad + "]"),
          "methodConfig[0].retryPolicy.retryableStatusCodes[1] is not a retryable status code: " + bad);
    }
    assertError(retryWith("retryableStatusCodes", "[{}]"),
        "methodConfig[0].retryPolicy.retryableStatusCodes[0] must be a status code name or number: an object");
    assertError(retryWith("retryableStatusCodes", "[]"), "methodConfig[0].retryPolicy.retryableStatusCodes must not be empty");
    assertError(retryWith("retryableStatusCodes", "\"UNAVAILABLE\""),
        "methodConfig[0].retryPolicy.retryableStatusCodes must be an array: \"UNAVAILABLE\"");
  }

  @Test
  void aLongValueIsShownCutShort() {
    String longName = "X".repeat(100);
    assertThatThrownBy(() -> GrpcServiceConfig.fromJson(retryWith("retryableStatusCodes", "[\"" + longName + "\"]")))
        .hasMessage("methodConfig[0].retryPolicy.retryableStatusCodes[0] is not a retryable status code: \"" + "X".repeat(76) + "...");
    String eighty = "Y".repeat(78);
    assertThatThrownBy(() -> GrpcServiceConfig.fromJson(retryWith("retryableStatusCodes", "[\"" + eighty + "\"]")))
        .hasMessageEndingWith(": \"" + eighty + "\"");
  }

  @Test
  void aThrottledConfigSharesOneBucketAndItsBoundsAreChecked() {
    String two = "{\"methodConfig\": [{\"name\": [{\"service\": \"a.B\"}], \"retryPolicy\": {" + GOOD_RETRY + "}},"
        + "{\"name\": [{\"service\": \"x.Y\"}], \"hedgingPolicy\": {\"maxAttempts\": 2}}],"
        + " \"retryThrottling\": {\"maxTokens\": 1000, \"tokenRatio\": 0.5}}";
    GrpcServiceConfig config = GrpcServiceConfig.fromJson(two);
    assertThat(config.throttling()).hasValue(new GrpcServiceConfig.Throttling(1000, 0.5));
    assertThat(config.policyFor("x.Y/Z").hedge().admission()).isSameAs(config.policyFor("a.B/C").retry().admission());
    assertThat(GrpcServiceConfig.fromJson(retry(GOOD_RETRY)).throttling()).isEmpty();
    assertError("{\"retryThrottling\": {\"maxTokens\": 1001, \"tokenRatio\": 0.5}}",
        "retryThrottling.maxTokens must be an integer in [1, 1000]: 1001");
    assertThat(GrpcServiceConfig.fromJson("{\"retryThrottling\": {\"maxTokens\": 1, \"tokenRatio\": 0.5}}").throttling())
        .hasValue(new GrpcServiceConfig.Throttling(1, 0.5));
    assertError("{\"retryThrottling\": {\"maxTokens\": 10, \"tokenRatio\": 0}}", "retryThrottling.tokenRatio must be > 0: 0");
    assertError("{\"retryThrottling\": 5}", "retryThrottling must be an object: 5");
    assertError("{\"methodConfig\": {}}", "methodConfig must be an array: an object");
    assertError("{\"methodConfig\": [7]}", "methodConfig[0] must be an object: 7");
    assertError("{\"methodConfig\": [{}]}", "methodConfig[0].name is required");
    assertError("{\"methodConfig\": [{\"name\": [{\"service\": 3}]}]}", "methodConfig[0].name[0].service must be a string: 3");
    assertError("{\"methodConfig\": [{\"name\": [null]}]}", "methodConfig[0].name[0] must be an object: null");
  }

  // ---- hedgingPolicy ----

  @Test
  void aHedgingPolicyDefaultsToNoDelayAndChecksItsFields() {
    GrpcPolicy noDelay = policy(hedge("\"maxAttempts\": 9, \"nonFatalStatusCodes\": [\"UNAVAILABLE\", 4]"));
    assertThat(noDelay.hedge().delay().currentDelay()).hasValue(Duration.ZERO);
    assertThat(noDelay.hedge().maxAttempts()).isEqualTo(5);
    assertThat(noDelay.retryableCodes()).containsExactlyInAnyOrder(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);
    assertThat(policy(hedge("\"maxAttempts\": 2, \"nonFatalStatusCodes\": []")).retryableCodes()).isEmpty();
    assertError(hedge("\"maxAttempts\": 2, \"hedgingDelay\": \"soon\""),
        "methodConfig[0].hedgingPolicy.hedgingDelay must be a duration like \"0.5s\": \"soon\"");
    assertError(hedge("\"maxAttempts\": 1"), "methodConfig[0].hedgingPolicy.maxAttempts must be an integer in [2, 2147483647]: 1");
  }

  // ---- matching ----

  @Test
  void aMethodNameWithoutAServiceFallsBackToTheDefaultEntry() {
    GrpcServiceConfig config = GrpcServiceConfig.fromJson("{\"methodConfig\": ["
        + "{\"name\": [{\"service\": \"a.B\", \"method\": \"C\"}], \"timeout\": \"1s\"},"
        + "{\"name\": [{\"service\": \"\"}], \"timeout\": \"2s\"}]}");
    assertThat(config.policyFor("a.B/C").callTimeout()).hasValue(Duration.ofSeconds(1));
    assertThat(config.policyFor("a.B/D").callTimeout()).hasValue(Duration.ofSeconds(2));
    assertThat(config.policyFor("a.B").callTimeout()).as("no slash: a service alone").hasValue(Duration.ofSeconds(2));
    assertThat(config.methods().get(1).names()).containsExactly(new GrpcServiceConfig.MethodName(null, null));
    GrpcServiceConfig wholeService = GrpcServiceConfig.fromJson(
        "{\"methodConfig\": [{\"name\": [{\"service\": \"a.B\"}], \"timeout\": \"3s\"}]}");
    assertThat(wholeService.policyFor("a.B").callTimeout()).hasValue(Duration.ofSeconds(3));
  }

  @Test
  void duplicatesNameTheDefaultAndAServiceAsTheyAre() {
    assertError("{\"methodConfig\": [{\"name\": [{}]}, {\"name\": [{\"service\": \"\"}]}]}",
        "methodConfig[1].name[0] names the same method as methodConfig[0].name[0]: the default (empty name)");
    assertError("{\"methodConfig\": [{\"name\": [{\"service\": \"a.B\"}, {\"service\": \"a.B\"}]}]}",
        "methodConfig[0].name[1] names the same method as methodConfig[0].name[0]: a.B");
    assertThatThrownBy(() -> GrpcServiceConfig.builder()
        .method(GrpcPolicy.builder().build(), new GrpcServiceConfig.MethodName("a.B", "C"))
        .method(GrpcPolicy.builder().build(), new GrpcServiceConfig.MethodName("a.B", "C")).build())
        .hasMessage("methodConfig[1].name[0] names the same method as methodConfig[0].name[0]: a.B/C");
  }

  // ---- export ----

  @Test
  void exportWritesEveryFieldAsGrpcSpellsIt() {
    GrpcPolicy oneAttempt = GrpcPolicy.builder().retryableCodes(Set.of(Status.Code.UNAVAILABLE, Status.Code.ABORTED))
        .retry(RetryPolicy.builder().maxAttempts(1).backoff(Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 1.5)).build())
        .callTimeout(Duration.ofMillis(1500)).build();
    GrpcPolicy fixed = GrpcPolicy.builder().retryableCodes(Set.of(Status.Code.UNAVAILABLE))
        .retry(RetryPolicy.builder().maxAttempts(4).backoff(Backoff.fixed(Duration.ofMillis(250))).build()).build();
    GrpcPolicy hedged = GrpcPolicy.builder().hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(30))).maxAttempts(3).build())
        .retryableCodes(Set.of(Status.Code.UNAVAILABLE)).build();
    String json = GrpcServiceConfig.builder()
        .method(oneAttempt, new GrpcServiceConfig.MethodName("a.B", null), new GrpcServiceConfig.MethodName(null, null))
        .method(fixed, new GrpcServiceConfig.MethodName("c.D", "E"))
        .method(hedged, new GrpcServiceConfig.MethodName("f.G", null))
        .throttling(5, 0.25).build().toJson();
    assertThat(JsonParser.parseString(json)).isEqualTo(JsonParser.parseString("""
        {"methodConfig": [
          {"name": [{"service": "a.B"}, {}],
           "retryPolicy": {"maxAttempts": 2, "initialBackoff": "0.1s", "maxBackoff": "2s", "backoffMultiplier": 1.5,
                           "retryableStatusCodes": ["ABORTED", "UNAVAILABLE"]},
           "timeout": "1.5s"},
          {"name": [{"service": "c.D", "method": "E"}],
           "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.25s", "maxBackoff": "0.25s", "backoffMultiplier": 1.0,
                           "retryableStatusCodes": ["UNAVAILABLE"]}},
          {"name": [{"service": "f.G"}],
           "hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "0.03s", "nonFatalStatusCodes": ["UNAVAILABLE"]}}],
         "retryThrottling": {"maxTokens": 5, "tokenRatio": 0.25}}"""));
  }

  @Test
  void exportRefusesWhatGrpcCannotSay() {
    GrpcPolicy zero = GrpcPolicy.builder().retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.none()).build()).build();
    assertThatThrownBy(() -> GrpcServiceConfig.builder().method(zero, new GrpcServiceConfig.MethodName("a.B", null)).build().toJson())
        .hasMessageStartingWith("methodConfig[0].retryPolicy.initialBackoff: gRPC requires it > 0");
    GrpcPolicy learning = GrpcPolicy.builder().hedge(HedgePolicy.builder(HedgeDelay.adaptive(0.05).build()).maxAttempts(2).build()).build();
    assertThatThrownBy(() -> GrpcServiceConfig.builder().method(learning, new GrpcServiceConfig.MethodName("a.B", null)).build().toJson())
        .hasMessageStartingWith("methodConfig[0].hedgingPolicy.hedgingDelay: ").hasMessageEndingWith(" has no delay yet to export");
    assertThatThrownBy(() -> GrpcServiceConfig.builder().method(GrpcPolicy.builder().build()))
        .hasMessage("a method config needs at least one name");
    for (double[] bad : new double[][] {{0, 0.1}, {1001, 0.1}, {10, 0}}) {
      assertThatThrownBy(() -> GrpcServiceConfig.builder().throttling((int) bad[0], bad[1])).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(GrpcServiceConfig.builder().throttling(1, 0.1).throttling(1000, 0.1).build().throttling())
        .hasValue(new GrpcServiceConfig.Throttling(1000, 0.1));
  }

  @Test
  void aPolicyWithNeitherRetryNorHedgeExportsOnlyItsNames() {
    String json = GrpcServiceConfig.builder().method(GrpcPolicy.builder().build(), new GrpcServiceConfig.MethodName("a.B", "C")).build().toJson();
    assertThat(JsonParser.parseString(json)).isEqualTo(JsonParser.parseString("{\"methodConfig\": [{\"name\": [{\"service\": \"a.B\", \"method\": \"C\"}]}]}"));
    assertThat(GrpcServiceConfig.builder().build().interceptor()).isNotNull();
  }

  // ---- proto-JSON durations ----

  @Test
  void protoDurationsAreDigitsWithUpToNineDecimalsAndAnS() {
    assertThat(ProtoDurations.parse("0s")).isEqualTo(Duration.ZERO);
    assertThat(ProtoDurations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(ProtoDurations.parse("2.000000001s")).isEqualTo(Duration.ofSeconds(2, 1));
    assertThat(ProtoDurations.parse("315576000000s")).isEqualTo(Duration.ofSeconds(315_576_000_000L));
    for (String bad : new String[] {null, "s", "1", "1.s", ".5s", "-1s", "+1s", "1e3s", " 1s", "1.0000000001s", "315576000000.000000001s", "1S"}) {
      assertThat(ProtoDurations.parse(bad)).as("%s", bad).isNull();
    }
  }

  @Test
  void protoDurationsFormatWithoutTrailingZeros() {
    assertThat(ProtoDurations.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(ProtoDurations.format(Duration.ofSeconds(10))).isEqualTo("10s");
    assertThat(ProtoDurations.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
    assertThat(ProtoDurations.format(Duration.ofSeconds(3, 1))).isEqualTo("3.000000001s");
  }

  // ---- pushback ----

  private static Duration pushback(String value) {
    Metadata trailers = new Metadata();
    if (value != null) {
      trailers.put(Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER), value);
    }
    return AttemptOutcome.<String>closed(null, null, null, Status.UNAVAILABLE, trailers).pushback();
  }

  @Test
  void aPushbackIsANonNegativeInt32OrStop() {
    assertThat(pushback("0")).isEqualTo(Duration.ZERO);
    assertThat(pushback("2147483647")).isEqualTo(Duration.ofMillis(Integer.MAX_VALUE));
    assertThat(pushback("2147483648")).isEqualTo(Duration.ofMillis(-1));
    assertThat(pushback("9999999999")).isEqualTo(Duration.ofMillis(-1));
    assertThat(pushback("-1")).isEqualTo(Duration.ofMillis(-1));
    assertThat(pushback(null)).isNull();
    assertThat(AttemptOutcome.<String>closed(null, null, null, Status.UNAVAILABLE, null).pushback()).isNull();
    assertThat(AttemptOutcome.<String>closed(null, null, null, Status.UNAVAILABLE, null).isCommitted()).isFalse();
  }
}
