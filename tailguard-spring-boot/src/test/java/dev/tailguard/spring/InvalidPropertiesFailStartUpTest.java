package dev.tailguard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Every kind of bad {@code tailguard.*} value stops start-up with its property path and the value. */
class InvalidPropertiesFailStartUpTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TailguardAutoConfiguration.class));

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "tailguard.retry.orders.max-attempts|0|0",
      "tailguard.retry.orders.max-attempts|many|many",
      "tailguard.retry.orders.initial-backoff|-5ms|PT-0.005S",
      "tailguard.retry.orders.budget|missing|missing",
      "tailguard.hedge.search.adaptive-budget|2|2",
      "tailguard.hedge.search.max-attempts|99|99",
      "tailguard.circuit-breaker.db.failure-rate-threshold|1.5|1.5",
      "tailguard.circuit-breaker.db.minimum-calls|-1|-1",
      "tailguard.circuit-breaker.db.open-duration|soon|soon",
      "tailguard.budget.shared.type|leaky|leaky",
      "tailguard.budget.shared.max-tokens|0|0",
      "tailguard.http.orders.pipeline|fancy|fancy",
      "tailguard.http.orders.max-attempts|0|0",
      "tailguard.http.orders.total-deadline|0s|PT0S",
      "tailguard.http.orders.hedge-delay|-1ms|PT-0.001S",
      "tailguard.http.orders.hedge-delay|50ms|PT0.05S",
      "tailguard.http.orders.hedge-budget|0.1|0.1",
      "tailguard.http.orders.max-endpoints|0|0",
      "tailguard.http.orders.circuit-breaker|nowhere|nowhere",
      "tailguard.http.orders.budget|absent|absent",
      "tailguard.http.orders.base-url|http://[bad|http://[bad"})
  void aBadValueFailsStartUpNamingThePropertyAndTheValue(String property, String value, String shown) {
    runner.withPropertyValues(property + "=" + value).run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasStackTraceContaining(property).hasStackTraceContaining(shown);
    });
  }

  @Test
  void aHedgeSettingOnAStandardClientSaysItNeedsTheHedgingPipeline() {
    runner.withPropertyValues("tailguard.http.orders.pipeline=standard", "tailguard.http.orders.hedge-delay=50ms").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasStackTraceContaining("tailguard.http.orders.hedge-delay")
          .hasStackTraceContaining("applies only to pipeline standard-hedging");
    });
  }

  @Test
  void aDefaultHedgeDelayAppliesToHedgingClientsAndDoesNotStopStandardOnes() {
    runner.withPropertyValues("tailguard.http.default.hedge-delay=50ms", "tailguard.http.orders.pipeline=standard",
        "tailguard.http.search.pipeline=standard-hedging").run(context -> {
      assertThat(context).hasNotFailed();
      TailguardRegistry registry = context.getBean(TailguardRegistry.class);
      assertThat(registry.http("search").endpoint(java.net.URI.create("http://127.0.0.1:1/")).hedgeDelay().currentDelay())
          .contains(java.time.Duration.ofMillis(50));
    });
  }
}
