package dev.tailguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * The count window under racing writers. A healthy window skips its writes, so the risk is a
 * count that drifts from the ring: a failure counted but never evicted, or the reverse.
 */
class CallWindowRaceTest {
  @Test
  void countsNeverDriftUnderRacingSuccessesAndFailures() throws Exception {
    for (int round = 0; round < 20; round++) {
      CallWindow.Count window = new CallWindow.Count(50);
      int threads = 4;
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        SplittableRandom random = new SplittableRandom(round * 31L + t);
        Thread writer = new Thread(() -> {
          try {
            start.await();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          for (int i = 0; i < 20_000; i++) {
            // Mostly healthy, so the skipping path and the writing path interleave.
            window.record(random.nextInt(100) < 2, random.nextInt(100) < 1);
          }
        });
        writer.start();
        writers.add(writer);
      }
      for (Thread writer : writers) {
        writer.join();
      }
      assertThat(window.failures()).isBetween(0L, 50L);
      assertThat(window.slowCalls()).isBetween(0L, 50L);
      assertThat(window.calls()).isEqualTo(50);

      // Fifty healthy calls replace every slot: whatever the race left, nothing may remain.
      for (int i = 0; i < 50; i++) {
        window.record(false, false);
      }
      assertThat(window.failures()).as("round %s", round).isZero();
      assertThat(window.slowCalls()).as("round %s", round).isZero();
      window.record(true, false);
      assertThat(window.failures()).isEqualTo(1);
    }
  }
}
