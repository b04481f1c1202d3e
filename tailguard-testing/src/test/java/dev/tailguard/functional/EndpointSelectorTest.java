package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.EndpointSelector;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class EndpointSelectorTest {

  @Test
  void roundRobinAvoidsEndpointsTheCallAlreadyUsed() {
    EndpointSelector<String> selector = EndpointSelector.roundRobin(List.of("a", "b", "c"));
    assertThat(selector.select(2, List.of("a"))).isNotEqualTo("a");
    assertThat(selector.select(3, List.of("a", "b"))).isEqualTo("c");
    assertThat(selector.select(4, List.of("a", "b", "c"))).isIn("a", "b", "c");
  }

  @Test
  void primaryBackupSendsBackupsToTheBackupCluster() {
    EndpointSelector<String> selector = EndpointSelector.primaryBackup(List.of("p1", "p2"), List.of("b1"));
    assertThat(selector.select(1, List.of())).startsWith("p");
    assertThat(selector.select(2, List.of("p1"))).isEqualTo("b1");
  }

  @Test
  void aHedgeGoesToADifferentServerThanThePrimary() {
    FakeClock clock = new FakeClock();
    List<String> sentTo = Collections.synchronizedList(new ArrayList<>());
    Hedge hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(2))).maxAttempts(3).build(), clock, clock);
    EndpointSelector<String> replicas = EndpointSelector.roundRobin(List.of("r1", "r2", "r3"));
    for (int call = 0; call < 30; call++) {
      List<String> thisCall = Collections.synchronizedList(new ArrayList<>());
      CompletableFuture<String> result = hedge.executeAsync(EndpointSelector.route(replicas, (endpoint, context) -> {
        thisCall.add(endpoint);
        CompletableFuture<String> f = new CompletableFuture<>();
        clock.schedule(() -> f.complete(endpoint), Duration.ofMillis(context.attempt() == 3 ? 1 : 50));
        return f;
      }), OutcomeHandler.defaults());
      clock.runUntilIdle();
      assertThat(result).isDone();
      assertThat(thisCall).hasSize(3).doesNotHaveDuplicates();
      sentTo.addAll(thisCall);
    }
    assertThat(sentTo).contains("r1", "r2", "r3");
    clock.assertNoPendingTasks();
  }

  @Test
  void successiveHedgedCallsStartAtSuccessiveEndpoints() {
    FakeClock clock = new FakeClock();
    Hedge hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(2))).maxAttempts(2).build(), clock, clock);
    EndpointSelector<String> replicas = EndpointSelector.roundRobin(List.of("A", "B"));
    List<String> primaries = new ArrayList<>();
    for (int call = 0; call < 20; call++) {
      CompletableFuture<String> result = hedge.executeAsync(EndpointSelector.route(replicas, (endpoint, context) -> {
        if (context.attempt() == 1) {
          primaries.add(endpoint);
        }
        CompletableFuture<String> f = new CompletableFuture<>();
        // Every call is hedged once: the primary is slow, the hedge answers.
        clock.schedule(() -> f.complete(endpoint), Duration.ofMillis(context.attempt() == 1 ? 50 : 1));
        return f;
      }), OutcomeHandler.defaults());
      clock.runUntilIdle();
      assertThat(result).isDone();
    }
    assertThat(primaries).filteredOn("A"::equals).hasSize(10);
    assertThat(primaries).filteredOn("B"::equals).hasSize(10);
    clock.assertNoPendingTasks();
  }

  @Test
  void primaryBackupRotatesTheBackupsPerCall() {
    EndpointSelector<String> selector = EndpointSelector.primaryBackup(List.of("p"), List.of("b1", "b2"));
    List<String> backups = new ArrayList<>();
    for (int call = 0; call < 4; call++) {
      String primary = selector.select(1, List.of());
      backups.add(selector.select(2, List.of(primary)));
    }
    assertThat(backups).containsExactly("b1", "b2", "b1", "b2");
  }

  @Test
  void aCallThatTriedEveryEndpointKeepsRotatingFromItsLast() {
    EndpointSelector<String> selector = EndpointSelector.roundRobin(List.of("a", "b", "c"));
    assertThat(selector.select(4, List.of("a", "b", "c"))).isEqualTo("a");
    assertThat(selector.select(5, List.of("a", "b", "c", "a"))).isEqualTo("b");
  }
}
