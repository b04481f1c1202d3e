package dev.tailguard.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MachineFactsTest {
  @Test
  void neighboursShareIsTheMachinesBusyShareMinusTheLabsOwn() {
    // Two CPUs for 10 s at 100 ticks/s: 2000 ticks, 1500 busy; the lab used 5 CPU-seconds of the 20.
    MachineFacts.Snapshot start = new MachineFacts.Snapshot(0, 1.0, 1_000, 10_000, 2, 0);
    MachineFacts.Snapshot end = new MachineFacts.Snapshot(10_000_000_000L, 3.5, 2_500, 12_000, 2, 5_000_000_000L);

    assertThat(MachineFacts.neighbourCpuShare(start, end)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
    Map<String, Object> facts = MachineFacts.between(start, end);
    assertThat(facts).containsEntry("loadAverageStart", 1.0).containsEntry("loadAverageEnd", 3.5)
        .containsEntry("neighbourCpuShare", 0.5).containsEntry("ownCpuShare", 0.25)
        .containsKeys("jvm", "cpus", "commonPoolParallelism");
    assertThat(MachineFacts.disturbance(facts)).contains("other processes used 50% of the machine's CPU");
  }

  @Test
  void withoutCpuCountersTheShareIsNotGuessedAndOnlyAHighLoadAverageCounts() {
    MachineFacts.Snapshot start = new MachineFacts.Snapshot(0, 1.0, 0, 0, 0, -1);
    MachineFacts.Snapshot end = new MachineFacts.Snapshot(1_000_000_000L, 1.5, 0, 0, 0, -1);
    Map<String, Object> facts = MachineFacts.between(start, end);

    assertThat(facts).containsEntry("neighbourCpuShare", null);
    assertThat(MachineFacts.disturbance(facts)).isNull();
    facts.put("loadAverageEnd", 4.0 * Runtime.getRuntime().availableProcessors());
    assertThat(MachineFacts.disturbance(facts)).contains("load average reached", "not measurable");
  }

  @Test
  void aQuietMachineIsNotDisturbed() {
    MachineFacts.Snapshot start = new MachineFacts.Snapshot(0, 0.2, 0, 10_000, 2, 0);
    MachineFacts.Snapshot end = new MachineFacts.Snapshot(10_000_000_000L, 0.4, 500, 12_000, 2, 4_000_000_000L);
    assertThat(MachineFacts.disturbance(MachineFacts.between(start, end))).isNull();
  }

  @Test
  void aSnapshotOfThisMachineReadsItsCounters() {
    MachineFacts.Snapshot now = MachineFacts.now();
    if (java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/stat"))) {
      assertThat(now.totalTicks()).isPositive();
      assertThat(now.statCpus()).isPositive();
    }
  }
}
