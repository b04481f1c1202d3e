package dev.tailguard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Hedge settings under {@code tailguard.http.default} apply to the hedging clients only and never
 * stop a standard one from starting, whichever way the standard client got its pipeline
 * (unset, its own {@code standard} over a hedging default, or the "default" entry itself).
 */
class DefaultHedgeSettingsOnStandardClientsTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TailguardAutoConfiguration.class));

  @Test
  void aDefaultHedgeBudgetAndDelayDoNotStopAClientWithNoPipelineSet() {
    runner.withPropertyValues("tailguard.http.default.hedge-budget=0.1", "tailguard.http.default.hedge-delay=20ms",
        "tailguard.http.orders.max-attempts=2").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(TailguardRegistry.class).http("orders")).isNotNull();
    });
  }

  @Test
  void aStandardClientUnderAHedgingDefaultStartsAndTheHedgingOnesGetTheDelay() {
    runner.withPropertyValues("tailguard.http.default.pipeline=standard-hedging", "tailguard.http.default.hedge-delay=30ms",
        "tailguard.http.orders.pipeline=standard", "tailguard.http.search.max-attempts=2").run(context -> {
      assertThat(context).hasNotFailed();
      TailguardRegistry registry = context.getBean(TailguardRegistry.class);
      assertThat(registry.http("orders")).isNotNull();
      assertThat(registry.http("search").endpoint(URI.create("http://127.0.0.1:1/")).hedgeDelay().currentDelay())
          .contains(Duration.ofMillis(30));
    });
  }

  @Test
  void aClientsOwnHedgeDelayUnderAHedgingDefaultPipelineApplies() {
    runner.withPropertyValues("tailguard.http.default.pipeline=standard-hedging", "tailguard.http.search.hedge-delay=40ms")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(TailguardRegistry.class).http("search").endpoint(URI.create("http://127.0.0.1:1/"))
              .hedgeDelay().currentDelay()).contains(Duration.ofMillis(40));
        });
  }
}
