package dev.tailguard.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.Jitter;
import dev.tailguard.RetryPolicy;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GrpcServiceConfigTest {
  private static final String CONFIG = """
      {
        "methodConfig": [
          {
            "name": [{"service": "test.Echo"}],
            "retryPolicy": {
              "maxAttempts": 3,
              "initialBackoff": "0.1s",
              "maxBackoff": "1s",
              "backoffMultiplier": 2,
              "retryableStatusCodes": ["UNAVAILABLE", 2, "DEADLINE_EXCEEDED"]
            }
          },
          {
            "name": [{"service": "test.Search", "method": "Find"}],
            "hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "0.05s", "nonFatalStatusCodes": ["UNAVAILABLE"]}
          },
          {
            "name": [{}],
            "retryPolicy": {"maxAttempts": 9, "initialBackoff": "0.000000001s", "maxBackoff": "2.5s",
              "backoffMultiplier": 1.5, "retryableStatusCodes": ["UNAVAILABLE"]}
          }
        ],
        "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1}
      }
      """;

  @Test
  void importsRetryHedgingAndThrottlingAndMatchesMethodsMostSpecificFirst() {
    GrpcServiceConfig config = GrpcServiceConfig.fromJson(CONFIG);

    GrpcPolicy echo = config.policyFor("test.Echo/Unary");
    assertThat(echo.retry().maxAttempts()).isEqualTo(3);
    assertThat(echo.retry().backoff()).isEqualTo(
        Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1), 2).withJitter(Jitter.full()));
    assertThat(echo.retryableCodes()).containsExactlyInAnyOrder(Status.Code.UNAVAILABLE, Status.Code.UNKNOWN, Status.Code.DEADLINE_EXCEEDED);
    assertThat(echo.retry().admission()).isSameAs(config.policyFor("other.Service/Any").retry().admission());

    GrpcPolicy find = config.policyFor("test.Search/Find");
    assertThat(find.hedge().maxAttempts()).isEqualTo(3);
    assertThat(find.hedge().delay().currentDelay()).hasValue(Duration.ofMillis(50));
    assertThat(config.policyFor("test.Search/Other").retry().maxAttempts()).as("the default entry; 9 counts as 5").isEqualTo(5);
    assertThat(config.throttling()).hasValue(new GrpcServiceConfig.Throttling(10, 0.1));
  }

  @Test
  void exportThenImportGivesTheSameDocument() {
    String once = GrpcServiceConfig.fromJson(CONFIG).toJson();
    String twice = GrpcServiceConfig.fromJson(once).toJson();
    assertThat(JsonParser.parseString(twice)).isEqualTo(JsonParser.parseString(once));
    assertThat(once).contains("\"initialBackoff\": \"0.1s\"", "\"hedgingDelay\": \"0.05s\"", "\"initialBackoff\": \"0.000000001s\"", "\"maxBackoff\": \"2.5s\"");
  }

  @Test
  void exportsPoliciesBuiltInCode() {
    GrpcPolicy retry = GrpcPolicy.builder().retryableCodes(GrpcPolicy.SEED_CODES)
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.exponential(Duration.ofMillis(200), Duration.ofSeconds(3), 1.6)).build())
        .build();
    GrpcPolicy hedge = GrpcPolicy.builder().hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(20))).maxAttempts(2).build()).build();
    String json = GrpcServiceConfig.builder()
        .method(retry, new GrpcServiceConfig.MethodName("pay.Payments", null))
        .method(hedge, new GrpcServiceConfig.MethodName("pay.Payments", "Quote"))
        .throttling(10, 0.1).build().toJson();

    GrpcServiceConfig back = GrpcServiceConfig.fromJson(json);
    assertThat(back.policyFor("pay.Payments/Charge").retry().backoff().initial()).isEqualTo(Duration.ofMillis(200));
    assertThat(back.policyFor("pay.Payments/Charge").retryableCodes()).isEqualTo(GrpcPolicy.SEED_CODES);
    assertThat(back.policyFor("pay.Payments/Quote").hedge().delay().currentDelay()).hasValue(Duration.ofMillis(20));

    GrpcPolicy linear = GrpcPolicy.builder().retry(RetryPolicy.builder().maxAttempts(2)
        .backoff(Backoff.linear(Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofSeconds(1))).build()).build();
    assertThatThrownBy(() -> GrpcServiceConfig.builder().method(linear, new GrpcServiceConfig.MethodName("a.B", null)).build().toJson())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("methodConfig[0].retryPolicy").hasMessageContaining("exponential");
  }

  @Test
  void errorsNameTheFieldAndItsPath() {
    assertError("{\"methodConfig\": [{\"name\": [{}], \"retryPolicy\": {\"maxAttempts\": 3, \"initialBackoff\": \"0.1s\", \"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAILABLE\"]}}]}",
        "methodConfig[0].retryPolicy.maxBackoff is required");
    assertError("{\"methodConfig\": [{\"name\": [{}]}, {\"name\": [{}], \"retryPolicy\": {\"maxAttempts\": 1, \"initialBackoff\": \"0.1s\", \"maxBackoff\": \"1s\", \"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAILABLE\"]}}]}",
        "methodConfig[1].retryPolicy.maxAttempts");
    assertError("{\"methodConfig\": [{\"name\": [{}], \"retryPolicy\": {\"maxAttempts\": 3, \"initialBackoff\": \"-1s\", \"maxBackoff\": \"1s\", \"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAILABLE\"]}}]}",
        "methodConfig[0].retryPolicy.initialBackoff");
    assertError("{\"methodConfig\": [{\"name\": [{}], \"retryPolicy\": {\"maxAttempts\": 3, \"initialBackoff\": \"1e3s\", \"maxBackoff\": \"1s\", \"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAILABLE\"]}}]}",
        "methodConfig[0].retryPolicy.initialBackoff");
    assertError("{\"methodConfig\": [{\"name\": [{}], \"retryPolicy\": {\"maxAttempts\": 3, \"initialBackoff\": \"0.1s\", \"maxBackoff\": \"1s\", \"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAILABLE\", \"NOPE\"]}}]}",
        "methodConfig[0].retryPolicy.retryableStatusCodes[1]");
    assertError("{\"methodConfig\": [{\"name\": [{\"method\": \"Find\"}]}]}", "methodConfig[0].name[0].method needs a service");
    assertError("{\"methodConfig\": [{\"name\": [{}], \"retryPolicy\": {}, \"hedgingPolicy\": {}}]}", "both retryPolicy and hedgingPolicy");
    assertError("{\"retryThrottling\": {\"maxTokens\": 0, \"tokenRatio\": 0.1}}", "retryThrottling.maxTokens");
    assertError("[1, 2]", "must be a JSON object");
    assertError("{not json", "not valid JSON");
  }

  private static void assertError(String json, String message) {
    assertThatThrownBy(() -> GrpcServiceConfig.fromJson(json)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }

  @Test
  void anInterceptorFromAConfigRetriesTheMethodsItNamesAndPassesTheOthersThrough() throws Exception {
    EchoService service = new EchoService(EchoService.fail(Status.UNAVAILABLE), EchoService.ok("pong"), EchoService.fail(Status.UNAVAILABLE));
    String name = InProcessServerBuilder.generateName();
    Server server = InProcessServerBuilder.forName(name).addService(service.definition()).build().start();
    ManagedChannel managed = InProcessChannelBuilder.forName(name).disableRetry().build();
    try {
      GrpcServiceConfig config = GrpcServiceConfig.fromJson("""
          {"methodConfig": [{"name": [{"service": "test.Echo", "method": "Unary"}],
            "retryPolicy": {"maxAttempts": 2, "initialBackoff": "0.001s", "maxBackoff": "0.001s", "backoffMultiplier": 1,
                            "retryableStatusCodes": ["UNAVAILABLE"]}}]}
          """);
      Channel channel = ClientInterceptors.intercept(managed, config.interceptor());
      assertThat(ClientCalls.blockingUnaryCall(channel, EchoService.UNARY, CallOptions.DEFAULT, "ping")).isEqualTo("pong");
      assertThat(service.calls()).isEqualTo(2);

      // Stream is not named: one attempt, and the server's failure reaches the caller.
      assertThatThrownBy(() -> ClientCalls.blockingServerStreamingCall(channel, EchoService.STREAM, CallOptions.DEFAULT, "go").hasNext())
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(service.calls()).isEqualTo(3);
    } finally {
      managed.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void unnamedMethodsGetNoPolicy() {
    GrpcServiceConfig config = GrpcServiceConfig.fromJson("{\"methodConfig\": [{\"name\": [{\"service\": \"a.B\"}]}]}");
    assertThat(config.policyFor("x.Y/Z")).isNull();
    assertThat(config.policyFor("a.B/Z").retry()).isNull();
    assertThat(config.policyFor("a.B/Z").hedge()).isNull();
  }

  private static final String HEDGE_WITHOUT_NON_FATAL = """
      {"methodConfig": [{"name": [{"service": "a.B"}], "hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "0.1s"}}]}""";

  @Test
  void aHedgingPolicyWithoutNonFatalStatusCodesHasNoNonFatalCode_andExportsItSo() {
    GrpcServiceConfig config = GrpcServiceConfig.fromJson(HEDGE_WITHOUT_NON_FATAL);
    assertThat(config.policyFor("a.B/C").retryableCodes()).isEmpty();
    String exported = config.toJson();
    assertThat(JsonParser.parseString(exported).getAsJsonObject().getAsJsonArray("methodConfig").get(0).getAsJsonObject()
        .getAsJsonObject("hedgingPolicy").getAsJsonArray("nonFatalStatusCodes")).isEmpty();
    assertThat(GrpcServiceConfig.fromJson(exported).policyFor("a.B/C").retryableCodes()).as("the round trip keeps the meaning").isEmpty();
  }

  @Test
  void aRetryPolicyThatRetriesNoCodeCannotBeExported() {
    GrpcPolicy none = GrpcPolicy.builder().retry(RetryPolicy.builder().maxAttempts(3).build()).retryableCodes(java.util.Set.of()).build();
    assertThatThrownBy(() -> GrpcServiceConfig.builder().method(none, new GrpcServiceConfig.MethodName("a.B", null)).build().toJson())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("methodConfig[0].retryPolicy.retryableStatusCodes");
  }

  @Test
  void methodConfigTimeoutIsImportedAsTheCallTimeoutAndExported() {
    GrpcServiceConfig config = GrpcServiceConfig.fromJson("""
        {"methodConfig": [{"name": [{"service": "a.B"}], "timeout": "0.5s"}]}""");
    assertThat(config.policyFor("a.B/C").callTimeout()).hasValue(Duration.ofMillis(500));
    assertThat(GrpcServiceConfig.fromJson(config.toJson()).policyFor("a.B/C").callTimeout()).hasValue(Duration.ofMillis(500));
    assertError("{\"methodConfig\": [{\"name\": [{}], \"timeout\": \"soon\"}]}", "methodConfig[0].timeout");
  }

  @Test
  void fieldsTailguardDoesNotApplyAreLoggedWithTheirPath() {
    java.util.logging.Logger jul = java.util.logging.Logger.getLogger(GrpcServiceConfig.class.getName());
    java.util.List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler handler = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord record) {
        logged.add(record.getLevel() + " " + record.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    jul.addHandler(handler);
    try {
      GrpcServiceConfig.fromJson("""
          {"loadBalancingConfig": [{"round_robin": {}}], "healthCheckConfig": {"serviceName": "a"}, "frobnicate": 1,
            "methodConfig": [{"name": [{"service": "a.B"}], "waitForReady": true, "maxRequestMessageBytes": 1024, "maxResponseMessageBytes": 1024,
            "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s", "backoffMultiplier": 2,
              "retryableStatusCodes": ["UNAVAILABLE"], "perAttemptRecvTimeout": "1s"}}]}""");
    } finally {
      jul.removeHandler(handler);
    }
    assertThat(logged).anyMatch(line -> line.startsWith("WARNING") && line.contains("loadBalancingConfig is not applied"))
        .anyMatch(line -> line.contains("methodConfig[0].waitForReady is not applied"))
        .anyMatch(line -> line.contains("methodConfig[0].retryPolicy.perAttemptRecvTimeout is not applied"))
        .anyMatch(line -> line.contains("healthCheckConfig is not applied"))
        .anyMatch(line -> line.contains("frobnicate is not applied"))
        .anyMatch(line -> line.contains("methodConfig[0].maxRequestMessageBytes is not applied"))
        .anyMatch(line -> line.contains("methodConfig[0].maxResponseMessageBytes is not applied"))
        .noneMatch(line -> line.contains("methodConfig[0].name") || line.contains("retryPolicy.maxAttempts"));
  }

  @Test
  void aMethodNamedTwiceIsAnErrorNamingBothPlaces() {
    assertError("""
        {"methodConfig": [{"name": [{"service": "a.B", "method": "C"}]}, {"name": [{"service": "x.Y"}, {"service": "a.B", "method": "C"}]}]}""",
        "methodConfig[1].name[1] names the same method as methodConfig[0].name[0]: a.B/C");
    assertError("{\"methodConfig\": [{\"name\": [{}, {}]}]}", "methodConfig[0].name[1] names the same method as methodConfig[0].name[0]");
  }

  @Test
  void aHostileDeeplyNestedDocumentIsRefusedWithAShortMessage() {
    String deep = "{\"methodConfig\": " + "[".repeat(200_000) + "]".repeat(200_000) + "}";
    assertThatThrownBy(() -> GrpcServiceConfig.fromJson(deep)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nests deeper than 100 levels")
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    String wide = "{\"methodConfig\": [" + "1,".repeat(100_000) + "1]}";
    assertThatThrownBy(() -> GrpcServiceConfig.fromJson(wide)).isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).as("the element is summarised, not printed").hasSizeLessThan(200));
  }
}
