package dev.tailguard;

import dev.tailguard.internal.Checks;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The typed half of a call: how its results are classified, where server hints come from, what
 * happens to results nobody receives, and how a result is summarised in attempt histories.
 *
 * <p>Policies are not generic; this is where the result type enters, at the call site or in an
 * adapter.
 *
 * <pre>{@code
 * OutcomeHandler<HttpResponse<InputStream>> http = OutcomeHandler.<HttpResponse<InputStream>>builder()
 *     .classifier((r, e) -> e != null || r.statusCode() == 503 ? Verdict.RETRYABLE : Verdict.SUCCESS)
 *     .onDiscard(r -> close(r.body()))
 *     .resultSummary(r -> "HTTP " + r.statusCode())
 *     .build();
 * }</pre>
 *
 * <p>Defaults: {@link Classifier#defaults()}, no server hints, discarded results are dropped, and
 * results are summarised by their class name only (a result's {@code toString} may contain a
 * body or credentials, which must never reach logs). Instances are immutable and thread-safe when
 * their functions are.
 *
 * @param <T> the result type
 * @since 0.1
 */
public final class OutcomeHandler<T> {
  private static final OutcomeHandler<Object> DEFAULTS = new Builder<Object>().build();

  private final Classifier<? super T> classifier;
  private final ServerHint<? super T> serverHint;
  private final Consumer<? super T> onDiscard;
  private final Function<? super T, String> resultSummary;
  private final boolean returnLastResultOnGiveUp;

  private OutcomeHandler(Builder<T> builder) {
    this.classifier = builder.classifier;
    this.serverHint = builder.serverHint;
    this.onDiscard = builder.onDiscard;
    this.resultSummary = builder.resultSummary;
    this.returnLastResultOnGiveUp = builder.returnLastResultOnGiveUp;
  }

  /**
   * Returns the defaults described in the class documentation.
   *
   * @param <T> the result type
   * @return the default handler
   */
  @SuppressWarnings("unchecked")
  public static <T> OutcomeHandler<T> defaults() {
    return (OutcomeHandler<T>) DEFAULTS;
  }

  /**
   * Returns a handler with the given classifier and every other setting at its default.
   *
   * @param classifier the classifier
   * @param <T> the result type
   * @return the handler
   */
  public static <T> OutcomeHandler<T> of(Classifier<? super T> classifier) {
    return OutcomeHandler.<T>builder().classifier(classifier).build();
  }

  /**
   * Starts a builder with every setting at its default.
   *
   * @param <T> the result type
   * @return a new builder
   */
  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /** Returns the classifier. */
  public Classifier<? super T> classifier() {
    return classifier;
  }

  /** Returns the server hint reader. */
  public ServerHint<? super T> serverHint() {
    return serverHint;
  }

  /** Returns the consumer of results that nobody receives. */
  public Consumer<? super T> onDiscard() {
    return onDiscard;
  }

  /** Returns the function that summarises a result for attempt histories. */
  public Function<? super T, String> resultSummary() {
    return resultSummary;
  }

  /**
   * Whether a call that gives up on a retryable <em>result</em> returns that last result instead
   * of throwing {@link RetriesExhaustedException}. HTTP clients usually want the final 503
   * response back.
   */
  public boolean returnLastResultOnGiveUp() {
    return returnLastResultOnGiveUp;
  }

  /**
   * Builds an {@link OutcomeHandler}. Not thread-safe.
   *
   * @param <T> the result type
   */
  public static final class Builder<T> {
    private Classifier<? super T> classifier = Classifier.defaults();
    private ServerHint<? super T> serverHint = ServerHint.none();
    private Consumer<? super T> onDiscard = result -> {};
    private Function<? super T, String> resultSummary =
        result -> result == null ? "null" : result.getClass().getSimpleName();
    private boolean returnLastResultOnGiveUp;

    private Builder() {}

    /**
     * Sets the classifier. Default: {@link Classifier#defaults()}.
     *
     * @throws NullPointerException if {@code classifier} is null
     */
    public Builder<T> classifier(Classifier<? super T> classifier) {
      this.classifier = Checks.notNull(classifier, "classifier");
      return this;
    }

    /**
     * Sets where server hints come from. Default: none.
     *
     * @throws NullPointerException if {@code serverHint} is null
     */
    public Builder<T> serverHint(ServerHint<? super T> serverHint) {
      this.serverHint = Checks.notNull(serverHint, "serverHint");
      return this;
    }

    /**
     * Sets what happens to every non-null result not handed to the caller: one that is retried, a
     * result that arrives after its attempt timed out or after the call ended. Adapters close
     * response bodies here. It is called exactly once per such result; exceptions it throws are
     * logged and ignored. Default: nothing.
     *
     * @throws NullPointerException if {@code onDiscard} is null
     */
    public Builder<T> onDiscard(Consumer<? super T> onDiscard) {
      this.onDiscard = Checks.notNull(onDiscard, "onDiscard");
      return this;
    }

    /**
     * Sets how a result is described in attempt histories and exception messages. Default: the
     * result's class name, so no body or credential reaches a log.
     *
     * @throws NullPointerException if {@code resultSummary} is null
     */
    public Builder<T> resultSummary(Function<? super T, String> resultSummary) {
      this.resultSummary = Checks.notNull(resultSummary, "resultSummary");
      return this;
    }

    /**
     * When {@code true}, a call that gives up on a retryable result returns that result rather
     * than throwing. Default: {@code false}.
     */
    public Builder<T> returnLastResultOnGiveUp(boolean returnLastResultOnGiveUp) {
      this.returnLastResultOnGiveUp = returnLastResultOnGiveUp;
      return this;
    }

    /** Builds the handler. */
    public OutcomeHandler<T> build() {
      return new OutcomeHandler<>(this);
    }
  }
}
