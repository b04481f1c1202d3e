package dev.tailguard.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/** Small helpers for the attempts' futures, shared by the retry and hedge engines. */
final class Futures {
  private Futures() {}

  /** The stage's future, or null when the stage cannot expose one (it can then only be abandoned). */
  static <T> CompletableFuture<T> toFuture(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture();
    } catch (UnsupportedOperationException notCancellable) {
      return null;
    }
  }

  /** Cancels the future if there is one; cancelling a completed future does nothing. */
  static void cancelQuietly(CompletableFuture<?> future) {
    if (future != null) {
      future.cancel(true);
    }
  }

  /** The failure a user would recognise, without the futures' wrapping. */
  static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
