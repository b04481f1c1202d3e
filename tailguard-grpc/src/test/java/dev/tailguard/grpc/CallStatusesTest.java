package dev.tailguard.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.GiveUpReason;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.TailguardException;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** {@link CallStatuses}: which status each failure closes a call with, and its one-line description. */
class CallStatusesTest {
  @Test
  void aDescriptionIsTheFirstLineWithoutClassNamesAndAtMost200Characters() {
    assertThat(CallStatuses.oneLine(null)).isEqualTo("no detail");
    assertThat(CallStatuses.oneLine("  \n ")).isEqualTo("no detail");
    assertThat(CallStatuses.oneLine("java.lang.IllegalStateException: ")).isEqualTo("no detail");
    assertThat(CallStatuses.oneLine("  java.io.IOException: reset by peer\r\n\tat x.Y.z(Y.java:1)")).isEqualTo("reset by peer");
    assertThat(CallStatuses.oneLine("first\nsecond")).isEqualTo("first");
    String exactly = "d".repeat(200);
    assertThat(CallStatuses.oneLine(exactly)).isEqualTo(exactly);
    assertThat(CallStatuses.oneLine(exactly + "d")).isEqualTo("d".repeat(199) + "…").hasSize(200);
  }

  @Test
  void eachFailureClosesWithItsOwnCode() {
    Status cancelled = CallStatuses.fromFailure(new CompletionException(new CancellationException("gone")));
    assertThat(cancelled.getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(cancelled.getDescription()).isEqualTo("call cancelled");

    Status server = CallStatuses.fromFailure(Status.ABORTED.withDescription("io.grpc.Foo: conflict\nmore").asRuntimeException());
    assertThat(server.getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(server.getDescription()).isEqualTo("conflict");
    assertThat(CallStatuses.fromFailure(new StatusException(Status.NOT_FOUND)).getCode()).isEqualTo(Status.Code.NOT_FOUND);

    Status timedOut = CallStatuses.fromFailure(new AttemptTimeoutException(2, 1_000_000));
    assertThat(timedOut.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(timedOut.getDescription()).startsWith("attempt 2 timed out after");

    Status refused = CallStatuses.fromFailure(new TailguardException("retry budget exhausted", null));
    assertThat(refused.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(refused.getDescription()).isEqualTo("retry budget exhausted");

    Status unknown = CallStatuses.fromFailure(new IllegalStateException("java.lang.IllegalStateException: broken"));
    assertThat(unknown.getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(unknown.getDescription()).isEqualTo("attempt failed: broken");
    assertThat(unknown.getCause()).isInstanceOf(IllegalStateException.class);
    assertThat(CallStatuses.fromFailure(new CompletionException(null)).getCode()).as("no cause to unwrap").isEqualTo(Status.Code.UNKNOWN);
  }

  @Test
  void exhaustedRetriesCloseAsTheLastAttemptDidOrUnavailableWhenItSaidNothing() {
    Status last = CallStatuses.fromFailure(new RetriesExhaustedException(GiveUpReason.values()[0], List.of(),
        new AttemptTimeoutException(3, 1_000_000), null));
    assertThat(last.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    Status vague = CallStatuses.fromFailure(new RetriesExhaustedException(GiveUpReason.values()[0], List.of(),
        new IllegalStateException("boom"), null));
    assertThat(vague.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    Status noCause = CallStatuses.fromFailure(new RetriesExhaustedException(GiveUpReason.values()[0], List.of(), null, null));
    assertThat(noCause.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void aCancelledContextSaysWhy() {
    Context.CancellableContext timedOut = Context.current().withCancellation();
    timedOut.cancel(new TimeoutException("late"));
    assertThat(CallStatuses.fromCancelledContext(timedOut).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(CallStatuses.fromCancelledContext(timedOut).getDescription()).isEqualTo("the caller's Context deadline passed");

    Context.CancellableContext bare = Context.current().withCancellation();
    bare.cancel(Status.ABORTED.asRuntimeException());
    assertThat(CallStatuses.fromCancelledContext(bare).getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(CallStatuses.fromCancelledContext(bare).getDescription()).isEqualTo("the caller's Context was cancelled");

    Context.CancellableContext described = Context.current().withCancellation();
    described.cancel(Status.UNAVAILABLE.withDescription("a.b.C: draining").asException());
    assertThat(CallStatuses.fromCancelledContext(described).getDescription()).isEqualTo("draining");

    Context.CancellableContext plain = Context.current().withCancellation();
    plain.cancel(null);
    assertThat(CallStatuses.fromCancelledContext(plain).getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(CallStatuses.fromCancelledContext(plain).getDescription()).isEqualTo("the caller's Context was cancelled");
  }

  @Test
  void aCallersCancellationKeepsItsMessageOnOneLine() {
    assertThat(CallStatuses.cancelledByCaller(null, null).getDescription()).isEqualTo("call cancelled");
    assertThat(CallStatuses.cancelledByCaller("user left\nstack", null).getDescription()).isEqualTo("user left");
    assertThat(CallStatuses.clean(Status.OK).getDescription()).isNull();
  }
}
