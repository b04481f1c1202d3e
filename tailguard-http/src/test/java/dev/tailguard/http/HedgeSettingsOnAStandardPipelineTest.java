package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A hedge setting on {@code HttpResilience.standard()}, which never hedges, was accepted and
 * silently ignored (and so was a Spring client's {@code hedge-delay} on the standard pipeline):
 * the builder now refuses it, naming the setting and the pipeline it needs.
 */
class HedgeSettingsOnAStandardPipelineTest {

  @Test
  void aHedgeDelayOnTheStandardPipelineIsRefusedNamingTheHedgingOne() {
    assertThatThrownBy(() -> HttpResilience.standard().hedgeDelay(Duration.ofMillis(50)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("hedgeDelay")
        .hasMessageContaining("standardHedging()");
  }

  @Test
  void aHedgeBudgetOnTheStandardPipelineIsRefusedNamingTheHedgingOne() {
    assertThatThrownBy(() -> HttpResilience.standard().hedgeBudget(0.1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("hedgeBudget")
        .hasMessageContaining("standardHedging()");
  }

  @Test
  void theHedgingPipelineTakesBoth() {
    HttpResilience hedging = HttpResilience.standardHedging().hedgeBudget(0.1).hedgeDelay(Duration.ofMillis(50)).build();
    assertThat(hedging.endpoint(URI.create("http://127.0.0.1:1/")).hedgeDelay().currentDelay()).contains(Duration.ofMillis(50));
  }
}
