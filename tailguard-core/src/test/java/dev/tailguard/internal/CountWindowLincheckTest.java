package dev.tailguard.internal;

import java.util.ArrayDeque;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Model check of {@link CallWindow.Count}, the CLOSED breaker's last-N-calls window, including its
 * read-only success path (a success entering a full window of successes writes nothing).
 *
 * <p>Sequential specification ({@link Spec}): a queue of the last {@code SIZE} outcomes; a record
 * appends and drops the oldest once full; {@code calls()} is the queue's length, {@code
 * failures()} and {@code slowCalls()} count its entries of that kind. A check reads the three
 * counts one at a time, so each is its own operation.
 *
 * <p>Two checks: with one writer (the writes share a non-parallel group) and with racing writers,
 * every read must match the queue in some order of the operations.
 */
public class CountWindowLincheckTest {
  static final int SIZE = 2;

  private final CallWindow.Count window = new CallWindow.Count(SIZE);

  public CountWindowLincheckTest() {
    // Start full of successes, so the read-only success path is live from the first operation.
    for (int i = 0; i < SIZE; i++) {
      window.record(false, false);
    }
  }

  @Operation
  public void success() {
    window.record(false, false);
  }

  @Operation
  public void failure() {
    window.record(true, false);
  }

  @Operation
  public void slowSuccess() {
    window.record(false, true);
  }

  @Operation
  public long calls() {
    return window.calls();
  }

  @Operation
  public long failures() {
    return window.failures();
  }

  @Operation
  public long slowCalls() {
    return window.slowCalls();
  }

  @Test
  void everyInterleavingMatchesTheLastNCalls() {
    LincheckRuns.modelChecking().sequentialSpecification(Spec.class).check(OneWriter.class);
  }

  /**
   * Found by this check before the fix: window of 2 holding [slow, failure]; thread 1 records a
   * success and thread 2 a slow success. Thread 1 took the cursor for the slot of the old slow
   * call but had not written it yet; thread 2 replaced the failure with a slow call, and {@code
   * slowCalls()} then read 2 of 2, although in every order of the two records the window holds one
   * slow call. The same race overcounted failures, so a breaker could trip on a rate that never
   * existed. Writers now claim, swap and count in one step.
   */
  @Test
  void racingWritersNeverCountAnOutcomeTwice() {
    LincheckRuns.modelChecking().sequentialSpecification(Spec.class).check(getClass());
  }

  /**
   * The same window with every write in one thread and the reads racing it. A write that swaps a
   * slow call for a failure moves two counts; they share one word, so a reader of both never sees
   * the failure and the slow call at once.
   */
  public static class OneWriter {
    private final CountWindowLincheckTest target = new CountWindowLincheckTest();

    @Operation(nonParallelGroup = "writer")
    public void success() {
      target.success();
    }

    @Operation(nonParallelGroup = "writer")
    public void failure() {
      target.failure();
    }

    @Operation(nonParallelGroup = "writer")
    public void slowSuccess() {
      target.slowSuccess();
    }

    @Operation
    public long calls() {
      return target.calls();
    }

    @Operation
    public long failures() {
      return target.failures();
    }

    @Operation
    public long slowCalls() {
      return target.slowCalls();
    }
  }

  /** The last N outcomes, kept literally. */
  public static final class Spec {
    private final ArrayDeque<int[]> last = new ArrayDeque<>();

    public Spec() {
      for (int i = 0; i < SIZE; i++) {
        success();
      }
    }

    private void add(boolean failed, boolean slow) {
      if (last.size() == SIZE) {
        last.removeFirst();
      }
      last.addLast(new int[] {failed ? 1 : 0, slow ? 1 : 0});
    }

    public void success() {
      add(false, false);
    }

    public void failure() {
      add(true, false);
    }

    public void slowSuccess() {
      add(false, true);
    }

    public long calls() {
      return last.size();
    }

    public long failures() {
      return last.stream().filter(o -> o[0] == 1).count();
    }

    public long slowCalls() {
      return last.stream().filter(o -> o[1] == 1).count();
    }
  }
}
