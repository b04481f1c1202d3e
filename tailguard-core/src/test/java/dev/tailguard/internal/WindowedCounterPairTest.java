package dev.tailguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The two counts {@link WindowedCounter#addPair} keeps in one slot word. */
class WindowedCounterPairTest {
  private static final int SLOTS = 4;
  private static final long SLOT_NANOS = 100;

  private final ManualClock clock = new ManualClock();
  private final WindowedCounter counter = new WindowedCounter(clock, SLOTS * SLOT_NANOS, SLOTS);

  private long low() {
    return counter.sumPair() & 0xFFFF_FFFFL;
  }

  private long high() {
    return counter.sumPair() >>> 32;
  }

  @Test
  void bothHalvesAddUpAcrossSlotsAndExpireWithTheWindow() {
    counter.addPair(3, 1);
    clock.advance(SLOT_NANOS);
    counter.addPair(2, 2);
    assertThat(low()).isEqualTo(5);
    assertThat(high()).isEqualTo(3);
    clock.advance(SLOT_NANOS * (SLOTS - 1));
    assertThat(low()).as("the first slot left the window").isEqualTo(2);
    assertThat(high()).isEqualTo(2);
    clock.advance(SLOT_NANOS * SLOTS);
    assertThat(counter.sumPair()).isZero();
  }

  @Test
  void aFullLowHalfSaturatesInsteadOfCarryingIntoTheHighHalf() {
    long max = (1L << 22) - 1;
    counter.addPair(max, 0);
    counter.addPair(5, 0);
    assertThat(low()).isEqualTo(max);
    assertThat(high()).as("no carry from the low half").isZero();
    counter.addPair(0, max + 9);
    assertThat(high()).isEqualTo(max);
    assertThat(low()).isEqualTo(max);
  }

  @Test
  void sumsOfAThousandFullSlotsFitTheirThirtyTwoBits() {
    WindowedCounter wide = new WindowedCounter(clock, 1000 * SLOT_NANOS, 1000);
    long max = (1L << 22) - 1;
    for (int i = 0; i < 1000; i++) {
      wide.addPair(max, max);
      clock.advance(SLOT_NANOS);
    }
    clock.advance(-SLOT_NANOS);
    long both = wide.sumPair();
    assertThat(both & 0xFFFF_FFFFL).isEqualTo(1000 * max);
    assertThat(both >>> 32).isEqualTo(1000 * max);
  }
}
