package dev.tailguard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.idempotency.InMemoryIdempotencyStore;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** What {@link TailguardAutoConfiguration} registers, and only when asked. */
class AutoConfigurationConditionsTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TailguardAutoConfiguration.class));

  @Configuration(proxyBeanMethods = false)
  static class Store {
    @Bean
    IdempotencyStore store() {
      return new InMemoryIdempotencyStore(10);
    }
  }

  @Test
  void theIdempotencyFilterIsRegisteredOnlyWithAStoreBeanAndTheProperty() {
    runner.withUserConfiguration(Store.class).withPropertyValues("tailguard.idempotency.enabled=true")
        .run(context -> assertThat(context).hasBean("tailguardIdempotencyFilter"));
    runner.withUserConfiguration(Store.class)
        .run(context -> assertThat(context).doesNotHaveBean("tailguardIdempotencyFilter"));
    runner.withUserConfiguration(Store.class).withPropertyValues("tailguard.idempotency.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("tailguardIdempotencyFilter"));
    runner.withPropertyValues("tailguard.idempotency.enabled=true")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("tailguardIdempotencyFilter"));
  }

  @Test
  void theHealthIndicatorIsOptIn() {
    runner.run(context -> assertThat(context).doesNotHaveBean(TailguardHealthIndicator.class));
    runner.withPropertyValues("tailguard.health.enabled=true")
        .run(context -> assertThat(context).hasSingleBean(TailguardHealthIndicator.class));
  }

  @Test
  void webClientBuildersFromBootCarryTheRoutingFilter() {
    runner.withConfiguration(AutoConfigurations.of(
            org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration.class))
        .run(context -> {
          assertThat(context).hasSingleBean(TailguardWebClients.class);
          java.util.List<Object> filters = new java.util.ArrayList<>();
          context.getBean(org.springframework.web.reactive.function.client.WebClient.Builder.class).filters(filters::addAll);
          assertThat(filters).hasAtLeastOneElementOfType(TailguardExchangeFilterFunction.class);
        });
  }
}
