package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The three ways a call is not retried each say why in the exception, with the cause kept. */
class NotRetriedExceptionTest {
  private final IOException cause = new IOException("connection reset");

  @Test
  void eachReasonNamesTheRequestAndKeepsTheCause() {
    NotRetriedException processed = NotRetriedException.mayHaveBeenProcessed("POST", "http://h/pay", cause);
    NotRetriedException capped = NotRetriedException.bodyNotReplayable("PUT", "http://h/up", 3, 2, cause);
    NotRetriedException oneShot = NotRetriedException.oneShotBody("PUT", "http://h/up", cause);

    assertThat(processed.reason()).isEqualTo(NotRetriedException.Reason.MAY_HAVE_BEEN_PROCESSED);
    assertThat(processed).hasMessageStartingWith("POST http://h/pay failed after the request was sent")
        .hasMessageContaining("may have been processed").hasCause(cause);
    assertThat(capped.reason()).isEqualTo(NotRetriedException.Reason.BODY_NOT_REPLAYABLE);
    assertThat(capped).hasMessageContaining("2-byte replay cap (3 bytes read").hasCause(cause);
    assertThat(oneShot.reason()).isEqualTo(NotRetriedException.Reason.BODY_NOT_REPLAYABLE);
    assertThat(oneShot).hasMessageStartingWith("PUT http://h/up failed and was not retried")
        .hasMessageContaining("one-shot and cannot be sent twice").hasCause(cause);
  }
}
