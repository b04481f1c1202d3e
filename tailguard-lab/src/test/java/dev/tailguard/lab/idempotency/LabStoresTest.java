package dev.tailguard.lab.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.idempotency.Claim;
import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.idempotency.StoredResponse;
import dev.tailguard.testing.RealServers;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The lab's stores keep each run's records to that run: a second lab run on the same shared Redis
 * or PostgreSQL must not delete a row's records mid-row (that made the skewed-clock row count
 * duplicates the product never made).
 */
class LabStoresTest {
  private static final String SCOPE = "lab-stores-test";
  private static final String KEY = "0".repeat(64);
  private static final String FINGERPRINT = "1".repeat(64);

  @Test
  void anotherRunEmptyingItsRedisRecordsLeavesThisRunsCompletedRecordsAlone() throws Exception {
    requireServer("Redis on 127.0.0.1:6379", 6379);
    assertAnotherRunLeavesRecordsAlone("redis");
  }

  @Test
  void anotherRunEmptyingItsPostgresRecordsLeavesThisRunsCompletedRecordsAlone() throws Exception {
    requireServer("PostgreSQL on 127.0.0.1:5432", 5432);
    assertAnotherRunLeavesRecordsAlone("jdbc");
  }

  @Test
  void theOwnerClosingRemovesItsRunsRedisRecordsButASecondInstanceClosingDoesNot() throws Exception {
    requireServer("Redis on 127.0.0.1:6379", 6379);
    String run = LabStores.newRun();
    try (LabStores.StoreSource owner = LabStores.open("redis", run)) {
      completeOne(owner.store());
      try (LabStores.StoreSource second = LabStores.open("redis", run)) {
        second.shared();
      }
      assertThat(owner.shared().claim(SCOPE, KEY, FINGERPRINT, Duration.ofSeconds(30), Duration.ofHours(1)).outcome())
          .isEqualTo(Claim.Outcome.COMPLETED);
    }
    try (LabStores.StoreSource after = LabStores.open("redis", run)) {
      IdempotencyStore store = after.shared();
      assertThat(store.claim(SCOPE, KEY, FINGERPRINT, Duration.ofSeconds(30), Duration.ofHours(1)).outcome())
          .isEqualTo(Claim.Outcome.CLAIMED);
      after.store();
    }
  }

  @Test
  void aRunIdOtherThanLowercaseLettersAndDigitsIsRefusedByName() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LabStores.open("redis", "A*"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("run").hasMessageContaining("A*");
  }

  private static void assertAnotherRunLeavesRecordsAlone(String name) throws Exception {
    try (LabStores.StoreSource mine = LabStores.open(name, LabStores.newRun())) {
      completeOne(mine.store());
      // What every row of a second lab run does first: open its source and empty its records.
      try (LabStores.StoreSource other = LabStores.open(name, LabStores.newRun())) {
        other.store();
      }
      Claim again = mine.shared().claim(SCOPE, KEY, FINGERPRINT, Duration.ofSeconds(30), Duration.ofHours(1));
      assertThat(again.outcome()).isEqualTo(Claim.Outcome.COMPLETED);
      assertThat(new String(again.response().body(), StandardCharsets.UTF_8)).isEqualTo("created");
    }
  }

  private static void completeOne(IdempotencyStore store) throws Exception {
    Claim claim = store.claim(SCOPE, KEY, FINGERPRINT, Duration.ofSeconds(30), Duration.ofHours(1));
    assertThat(claim.outcome()).isEqualTo(Claim.Outcome.CLAIMED);
    assertThat(store.complete(SCOPE, KEY, claim.token(),
        new StoredResponse(201, Map.of("Content-Type", List.of("text/plain")), "created".getBytes(StandardCharsets.UTF_8)),
        Duration.ofHours(1))).isTrue();
  }

  private static void requireServer(String what, int port) {
    RealServers.require(what, () -> {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return true;
      }
    }, "see .ci/run");
  }
}
