package dev.tailguard;

import dev.tailguard.internal.Checks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks the endpoint for each attempt of a call, knowing which endpoints the call's earlier
 * attempts used, so that a retry or hedge goes to a different server where it can: the first one
 * may be the overloaded one (brpc's backup requests; the idempotency design notes).
 *
 * <pre>{@code
 * EndpointSelector<URI> replicas = EndpointSelector.roundRobin(List.of(a, b, c));
 * hedge.executeAsync(EndpointSelector.route(replicas, (uri, attempt) -> client.getAsync(uri)), handler);
 * }</pre>
 *
 * <p>Implementations are shared across calls and must be thread-safe.
 *
 * @param <E> the endpoint type
 * @since 0.1
 */
@FunctionalInterface
public interface EndpointSelector<E> {

  /**
   * Picks the endpoint for one attempt.
   *
   * @param attempt the attempt's number, from 1
   * @param used the endpoints the call's earlier attempts used, oldest first
   * @return the endpoint, never null
   */
  E select(int attempt, List<E> used);

  /** One attempt sent to a chosen endpoint. */
  @FunctionalInterface
  interface RoutedAttempt<E, T> {
    /**
     * Starts the attempt.
     *
     * @param endpoint where to send it
     * @param context the attempt's number, time limit and cancellation
     * @return the attempt's future result
     */
    CompletionStage<T> start(E endpoint, AttemptContext context);
  }

  /**
   * Round robin over {@code endpoints}, skipping those the call already used while any is left.
   * Successive calls start at successive endpoints: the shared position moves once per call (at
   * the call's first pick from these endpoints), and a call's later attempts continue from the
   * endpoint it used last, so hedges and retries do not shift where the next call starts.
   *
   * @throws IllegalArgumentException if {@code endpoints} is empty
   */
  static <E> EndpointSelector<E> roundRobin(List<E> endpoints) {
    List<E> all = List.copyOf(Checks.notNull(endpoints, "endpoints"));
    Checks.argument(!all.isEmpty(), "endpoints must not be empty");
    AtomicInteger next = new AtomicInteger();
    return (attempt, used) -> {
      int last = -1;
      for (int i = used.size() - 1; i >= 0 && last < 0; i--) {
        last = all.indexOf(used.get(i));
      }
      // Only a call's first pick from these endpoints moves the shared position.
      int start = last < 0 ? Math.floorMod(next.getAndIncrement(), all.size()) : (last + 1) % all.size();
      for (int i = 0; i < all.size(); i++) {
        E candidate = all.get((start + i) % all.size());
        if (!used.contains(candidate)) {
          return candidate;
        }
      }
      // Every endpoint was tried: spread the rest round robin.
      return all.get(start);
    };
  }

  /**
   * brpc's SelectiveChannel with backup requests: the first attempt goes to the primary cluster,
   * later attempts (the backups) to the backup cluster, each cluster round robin.
   *
   * @throws IllegalArgumentException if a list is empty
   */
  static <E> EndpointSelector<E> primaryBackup(List<E> primary, List<E> backup) {
    EndpointSelector<E> primaries = roundRobin(primary);
    EndpointSelector<E> backups = roundRobin(backup);
    return (attempt, used) -> attempt == 1 ? primaries.select(attempt, used) : backups.select(attempt, used);
  }

  /**
   * Routes the attempts of <em>one</em> call: create it per call. It remembers which endpoint each
   * attempt used, for the selector's next choice; safe for concurrent hedges.
   *
   * @param selector picks each attempt's endpoint
   * @param attempt sends one attempt to an endpoint
   * @return the call's attempt function, for {@link Retry} or {@link Hedge}
   */
  static <E, T> AsyncAttempt<T> route(EndpointSelector<E> selector, RoutedAttempt<E, T> attempt) {
    Checks.notNull(selector, "selector");
    Checks.notNull(attempt, "attempt");
    List<E> used = new ArrayList<>();
    return context -> {
      E endpoint;
      synchronized (used) {
        endpoint = Checks.notNull(selector.select(context.attempt(), List.copyOf(used)), "selected endpoint");
        used.add(endpoint);
      }
      return attempt.start(endpoint, context);
    };
  }
}
