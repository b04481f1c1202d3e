package dev.tailguard.spring;

import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.idempotency.servlet.IdempotencyServletFilter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Tailguard for Spring Boot: the {@link TailguardRegistry} of every named instance, Spring's
 * clients, metrics, the actuator endpoint, the opt-in health contributor and the idempotency
 * filter. Each piece only when its library is on the class path.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@EnableConfigurationProperties(TailguardProperties.class)
public class TailguardAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  TailguardRegistry tailguardRegistry(TailguardProperties properties, ObjectProvider<TailguardRegistry.Instrumentation> metrics) {
    return new TailguardRegistry(properties, metrics.getIfAvailable(() -> TailguardRegistry.Instrumentation.NONE));
  }

  /** Micrometer, when a registry exists. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({MeterRegistry.class, dev.tailguard.micrometer.TailguardMetrics.class})
  static class Metrics {
    @Bean
    @ConditionalOnBean(MeterRegistry.class)
    TailguardRegistry.Instrumentation tailguardMicrometer(MeterRegistry registry) {
      return new MicrometerInstrumentation(registry);
    }
  }

  /** RestClient and RestTemplate. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(RestClient.class)
  static class Rest {
    @Bean
    TailguardClientHttpRequestInterceptor tailguardClientHttpRequestInterceptor(TailguardRegistry registry) {
      return TailguardClientHttpRequestInterceptor.routing(registry);
    }

    @Bean
    TailguardRestClients tailguardRestClients(TailguardRegistry registry, TailguardClientHttpRequestInterceptor interceptor) {
      return new TailguardRestClients(registry, interceptor);
    }
  }

  /** Every Boot-made RestClient.Builder and RestTemplateBuilder gets the routing interceptor. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({RestClient.class, RestClientCustomizer.class})
  static class RestCustomizers {
    @Bean
    RestClientCustomizer tailguardRestClientCustomizer(TailguardRestClients clients) {
      return clients::addInterceptor;
    }

    @Bean
    RestTemplateCustomizer tailguardRestTemplateCustomizer(TailguardClientHttpRequestInterceptor interceptor) {
      return template -> ClientRoutes.addIfAbsent(template.getInterceptors(), TailguardClientHttpRequestInterceptor.class, interceptor);
    }
  }

  /** WebClient. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(WebClient.class)
  static class Reactive {
    @Bean
    TailguardExchangeFilterFunction tailguardExchangeFilterFunction(TailguardRegistry registry) {
      return TailguardExchangeFilterFunction.routing(registry);
    }

    @Bean
    TailguardWebClients tailguardWebClients(TailguardRegistry registry, TailguardExchangeFilterFunction filter) {
      return new TailguardWebClients(registry, filter);
    }
  }

  /** Every Boot-made WebClient.Builder gets the filter. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({WebClient.class, WebClientCustomizer.class})
  static class ReactiveCustomizers {
    @Bean
    WebClientCustomizer tailguardWebClientCustomizer(TailguardWebClients clients) {
      return clients::addFilter;
    }
  }

  /** The actuator endpoint. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(Endpoint.class)
  static class Actuator {
    @Bean
    @ConditionalOnMissingBean
    TailguardEndpoint tailguardEndpoint(TailguardRegistry registry) {
      return new TailguardEndpoint(registry);
    }
  }

  /** The opt-in health contributor. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  @ConditionalOnBooleanProperty("tailguard.health.enabled")
  static class HealthContributor {
    @Bean(name = "tailguardHealthIndicator")
    TailguardHealthIndicator tailguardHealthIndicator(TailguardRegistry registry) {
      return new TailguardHealthIndicator(registry);
    }
  }

  /** The idempotency filter, when asked for and a store exists. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({IdempotencyServletFilter.class, FilterRegistrationBean.class})
  @ConditionalOnBooleanProperty("tailguard.idempotency.enabled")
  static class Idempotency {
    @Bean
    @ConditionalOnBean(IdempotencyStore.class)
    FilterRegistrationBean<IdempotencyServletFilter> tailguardIdempotencyFilter(IdempotencyStore store) {
      FilterRegistrationBean<IdempotencyServletFilter> registration =
          new FilterRegistrationBean<>(IdempotencyServletFilter.scopedByPrincipal(IdempotencyGuard.builder(store).build()));
      registration.setName("tailguardIdempotencyFilter");
      registration.addUrlPatterns("/*");
      return registration;
    }
  }
}
