package dev.tailguard.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The http-hedge ratio checks leave out requests caught in a JVM stall. Before, one GC pause or
 * safepoint of 100-500 ms on a busy machine held all 16 callers' requests at once and put 16 samples
 * in whichever row was running, so a hedged row's p99.9 read 1.6x the unhedged one's.
 */
class StallMeterTest {
  private static final long MS = 1_000_000L;

  @Test
  void aWakeUpLaterThanTheThresholdIsAStallAndMarksEveryRequestInFlightDuringIt() {
    StallMeter meter = StallMeter.manual(5);
    meter.recordWakeUp(0, 2 * MS); // 1 ms late: not a stall
    meter.recordWakeUp(100 * MS, 300 * MS); // asleep at 100 ms for 1 ms, woke at 300 ms: a 199 ms stall
    meter.recordWakeUp(400 * MS, 407 * MS); // 6 ms late: a stall

    assertThat(meter.stalls()).isEqualTo(2);
    assertThat(meter.longestMillis()).isEqualTo(199.0);
    assertThat(meter.stalledDuring(90 * MS, 120 * MS)).as("started before, in flight during").isTrue();
    assertThat(meter.stalledDuring(150 * MS, 160 * MS)).as("wholly inside").isTrue();
    assertThat(meter.stalledDuring(290 * MS, 350 * MS)).as("ended after").isTrue();
    assertThat(meter.stalledDuring(0, 50 * MS)).as("before every stall, the 1 ms late wake-up included").isFalse();
    assertThat(meter.stalledDuring(310 * MS, 390 * MS)).as("between two stalls").isFalse();
    assertThat(meter.stalledDuring(500 * MS, 600 * MS)).as("after every stall").isFalse();
  }

  @Test
  void closingTheMeterEndsItsThread() {
    StallMeter meter = StallMeter.start(5);
    assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().equals("lab-stall-meter"));
    meter.close();
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("lab-stall-meter") && t.isAlive());
  }

  @Test
  void aThresholdThatIsNotPositiveIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> StallMeter.manual(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("thresholdMillis").hasMessageContaining("0.0");
    assertThatThrownBy(() -> StallMeter.manual(Double.NaN)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
  }
}
