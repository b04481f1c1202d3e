package dev.tailguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyBuilderTest {

  @Test
  void defaultsAreDocumented() {
    RetryPolicy policy = RetryPolicy.ofDefaults();
    assertThat(policy.maxAttempts()).isEqualTo(3);
    assertThat(policy.backoff())
        .isEqualTo(Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10)).withJitter(Jitter.full()));
    assertThat(policy.deadline()).isEmpty();
    assertThat(policy.perAttemptTimeout()).isEmpty();
    assertThat(policy.maxServerDelay()).isEqualTo(Duration.ofSeconds(60));
    assertThat(policy.interruptOnTimeout()).isFalse();
  }

  @Test
  void rejectsBadValuesNamingTheParameterAndValue() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts must be >= 1: 0");
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(-1)).hasMessage("maxAttempts must be >= 1: -1");
    assertThatThrownBy(() -> RetryPolicy.builder().deadline(Duration.ZERO)).hasMessage("deadline must be > 0: PT0S");
    assertThatThrownBy(() -> RetryPolicy.builder().perAttemptTimeout(Duration.ofSeconds(-1)))
        .hasMessage("perAttemptTimeout must be > 0: PT-1S");
    assertThatThrownBy(() -> RetryPolicy.builder().maxServerDelay(Duration.ofSeconds(-1)))
        .hasMessage("maxServerDelay must be >= 0: PT-1S");
    assertThatThrownBy(() -> RetryPolicy.builder().backoff(null)).hasMessage("backoff must not be null");
    assertThatThrownBy(() -> RetryPolicy.builder().admission(null)).hasMessage("admission must not be null");
    assertThatThrownBy(() -> RetryPolicy.builder().onRetry(null)).hasMessage("listener must not be null");
  }

  @Test
  void crossFieldConstraintsAreCheckedAtBuildWhateverTheOrder() {
    RetryPolicy.Builder builder =
        RetryPolicy.builder().perAttemptTimeout(Duration.ofSeconds(5)).deadline(Duration.ofSeconds(2));
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("perAttemptTimeout (PT5S) must be <= deadline (PT2S)");
    // The same settings in the other order fail the same way, and a fix in either order passes.
    assertThat(builder.deadline(Duration.ofSeconds(5)).build().deadline()).contains(Duration.ofSeconds(5));
  }

  @Test
  void largeMaxAttemptsIsAllowed() {
    assertThat(RetryPolicy.builder().maxAttempts(Integer.MAX_VALUE).build().maxAttempts())
        .isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void toBuilderCopiesEverythingAndLeavesTheOriginalUnchanged() {
    RetryPolicy original =
        RetryPolicy.builder()
            .maxAttempts(4)
            .backoff(Backoff.fixed(Duration.ofMillis(10)))
            .deadline(Duration.ofSeconds(3))
            .perAttemptTimeout(Duration.ofSeconds(1))
            .onRetry(event -> {})
            .build();
    RetryPolicy copy = original.toBuilder().build();
    assertThat(copy).isEqualTo(original).hasSameHashCodeAs(original);
    RetryPolicy changed = original.toBuilder().maxAttempts(6).onRetry(event -> {}).build();
    assertThat(changed.maxAttempts()).isEqualTo(6);
    assertThat(changed.retryListeners()).hasSize(2);
    assertThat(original.maxAttempts()).isEqualTo(4);
    assertThat(original.retryListeners()).hasSize(1);
  }

  @Test
  void listenerListsAreImmutable() {
    RetryPolicy policy = RetryPolicy.builder().onRetry(event -> {}).build();
    assertThatThrownBy(() -> policy.retryListeners().clear()).isInstanceOf(UnsupportedOperationException.class);
  }
}
