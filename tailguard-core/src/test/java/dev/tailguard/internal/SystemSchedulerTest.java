package dev.tailguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The real shared timer: cancelled timers must leave its queue at once (grpc-java #1307). */
class SystemSchedulerTest {

  @Test
  void cancelledTimersAreRemovedFromTheQueue_grpcJava1307() {
    SystemScheduler scheduler = SystemScheduler.INSTANCE;
    int before = scheduler.queuedTasks();
    List<Cancellable> handles = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      handles.add(scheduler.schedule(() -> {}, Duration.ofHours(1)));
    }
    assertThat(scheduler.queuedTasks()).isGreaterThanOrEqualTo(before + 10_000);
    handles.forEach(Cancellable::cancel);
    assertThat(scheduler.queuedTasks()).isEqualTo(before);
  }

  @Test
  void runsTasksOnADaemonThread() throws InterruptedException {
    CountDownLatch ran = new CountDownLatch(1);
    boolean[] daemon = new boolean[1];
    Scheduler.system().schedule(() -> {
      daemon[0] = Thread.currentThread().isDaemon();
      ran.countDown();
    }, Duration.ZERO);
    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(daemon[0]).isTrue();
  }
}
