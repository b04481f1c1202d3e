package dev.tailguard.idempotency;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The framework-neutral idempotency engine: decides, for one request, whether its handler runs,
 * and stores what it answered so that a retry with the same key gets the same answer.
 *
 * <table>
 *   <caption>The contract (IETF draft "The Idempotency-Key HTTP Header Field", Stripe)</caption>
 *   <tr><th>Situation</th><th>Answer</th></tr>
 *   <tr><td>key required, header absent</td><td>400 problem+json</td></tr>
 *   <tr><td>key malformed</td><td>400, never looked up, never echoed</td></tr>
 *   <tr><td>new key for this scope</td><td>run the handler, store its outcome</td></tr>
 *   <tr><td>same key and fingerprint, completed</td><td>replay with {@code Idempotent-Replayed: true}</td></tr>
 *   <tr><td>same key and fingerprint, running</td><td>409 with a short {@code Retry-After}</td></tr>
 *   <tr><td>running, lease expired (owner crashed)</td><td>take over with a new fencing token</td></tr>
 *   <tr><td>same key, different method, path or body</td><td>422</td></tr>
 *   <tr><td>same key, another scope</td><td>an independent key space</td></tr>
 *   <tr><td>store unavailable</td><td>503 (fail closed; {@link Builder#failOpen} to run anyway)</td></tr>
 * </table>
 *
 * <p>Outcome policy: responses below 500 are stored and replayed, errors included (Stripe). A 5xx
 * or an exception releases the key, so the client's retry runs the handler again: use {@link
 * Ticket#recordPhase} for handlers whose first phases must not repeat. Failures before the
 * handler (authentication, validation, rate limits) never reach the guard, so nothing is stored
 * for them.
 *
 * <p>Stores see neither the key nor the scope, only their SHA-256 (fixed-size hex), so a long or
 * non-ASCII principal fits every store's columns.
 *
 * <p>While a handler runs under a {@link Ticket}, {@link Ticket#keepLeaseAlive()} renews its lease
 * every third of the lease, fenced by the token; the filters do this for every guarded request.
 * A completion the store fails to take is tried again, {@link Builder#completionAttempts} times in
 * all, with the lease still renewed, before the key is given up to expire.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class IdempotencyGuard {
  /** The request header. */
  public static final String HEADER = "Idempotency-Key";
  /** The header a replayed response carries. */
  public static final String REPLAYED = "Idempotent-Replayed";
  /**
   * The name under which both filters hand the handler its {@link Ticket}: an {@code HttpExchange}
   * attribute and a servlet request attribute. Absent when the request is not guarded (a GET, or
   * no key with {@code requireKey(false)}).
   */
  public static final String TICKET_ATTRIBUTE = "dev.tailguard.idempotency.Ticket";

  private static final Set<String> DEFAULT_STORED_HEADERS = Set.of(
      "content-type", "content-language", "content-location", "location", "etag", "last-modified", "cache-control");

  private final IdempotencyStore store;
  private final boolean requireKey;
  private final Predicate<String> keyFormat;
  private final Duration lease;
  private final Duration retention;
  private final int maxStoredBodyBytes;
  private final Set<String> storedHeaders;
  private final boolean failOpen;
  private final Duration inProgressRetryAfter;
  private final ScheduledExecutorService leaseRenewal;
  private final int completionAttempts;
  private final Duration completionRetryDelay;

  private IdempotencyGuard(Builder b) {
    this.store = b.store;
    this.requireKey = b.requireKey;
    this.keyFormat = b.keyFormat;
    this.lease = b.lease;
    this.retention = b.retention;
    this.maxStoredBodyBytes = b.maxStoredBodyBytes;
    this.storedHeaders = Set.copyOf(b.storedHeaders);
    this.failOpen = b.failOpen;
    this.inProgressRetryAfter = b.inProgressRetryAfter;
    this.leaseRenewal = b.leaseRenewal;
    this.completionAttempts = b.completionAttempts;
    this.completionRetryDelay = b.completionRetryDelay;
  }

  /** The default renewal thread: one daemon for every guard in the JVM, started on first use. */
  private static final class DefaultRenewal {
    static final ScheduledExecutorService SCHEDULER = create();

    private static ScheduledExecutorService create() {
      ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, task -> {
        Thread thread = new Thread(task, "tailguard-idempotency-lease-renewal");
        thread.setDaemon(true);
        return thread;
      });
      scheduler.setRemoveOnCancelPolicy(true);
      return scheduler;
    }
  }

  private ScheduledExecutorService leaseRenewal() {
    return leaseRenewal != null ? leaseRenewal : DefaultRenewal.SCHEDULER;
  }

  /** Starts a builder on {@code store}. */
  public static Builder builder(IdempotencyStore store) {
    return new Builder(store);
  }

  /**
   * Decides what to do with one request.
   *
   * @param scope the authenticated principal or tenant the key belongs to; never blank (there is
   *     no shared "anonymous" key space); any length and characters (stores see its SHA-256)
   * @param method the request method
   * @param path the request path (with the query, if it selects the resource)
   * @param keyHeader the {@code Idempotency-Key} header's value, or null when absent
   * @param body the request body
   * @throws IllegalArgumentException if {@code scope} is null or blank
   */
  public Decision begin(String scope, String method, String path, String keyHeader, byte[] body) {
    if (scope == null || scope.isBlank()) {
      throw new IllegalArgumentException("scope must name the principal or tenant; got '" + scope + "'");
    }
    if (keyHeader == null) {
      return requireKey ? Decision.respond(Problems.missingKey()) : Decision.passThrough();
    }
    Optional<IdempotencyKey> key = IdempotencyKey.parse(keyHeader, keyFormat);
    // A malformed key is never looked up: it could be an injection or a probe.
    if (key.isEmpty()) {
      return Decision.respond(Problems.malformedKey());
    }
    String keyHash = key.get().hash();
    String scopeHash = IdempotencyKey.sha256Hex(scope.getBytes(StandardCharsets.UTF_8));
    String fingerprint = Fingerprint.of(method.toUpperCase(Locale.ROOT), path, body);
    Claim claim;
    try {
      claim = store.claim(scopeHash, keyHash, fingerprint, lease, retention);
    } catch (StoreUnavailableException | RuntimeException unavailable) {
      // A store (or its driver) that throws unchecked is as unavailable as one that says so.
      return failOpen ? Decision.passThrough() : Decision.respond(Problems.storeUnavailable());
    }
    switch (claim.outcome()) {
      case CLAIMED:
        return Decision.proceed(new Ticket(this, scopeHash, keyHash, claim.token(), claim.recoveryPoint()));
      case COMPLETED:
        return Decision.respond(replay(claim.response()));
      case IN_PROGRESS:
        return Decision.respond(Problems.inProgress(inProgressRetryAfter));
      case MISMATCH:
        return Decision.respond(Problems.mismatch());
      default:
        throw new AssertionError(claim.outcome());
    }
  }

  private static StoredResponse replay(StoredResponse stored) {
    Map<String, List<String>> headers = new LinkedHashMap<>(stored.headers());
    headers.put(REPLAYED, List.of("true"));
    return new StoredResponse(stored.status(), headers, stored.body());
  }

  /** The headers of a response worth storing: the allow-list only, never cookies or credentials. */
  Map<String, List<String>> storable(Map<String, List<String>> headers) {
    Map<String, List<String>> kept = new LinkedHashMap<>();
    headers.forEach((name, values) -> {
      if (name != null && storedHeaders.contains(name.toLowerCase(Locale.ROOT))) {
        kept.put(name, List.copyOf(values));
      }
    });
    return kept;
  }

  IdempotencyStore store() {
    return store;
  }

  Duration lease() {
    return lease;
  }

  Duration retention() {
    return retention;
  }

  int maxStoredBodyBytes() {
    return maxStoredBodyBytes;
  }

  /** What to do with a request: answer it now, or run the handler under a {@link Ticket}. */
  public static final class Decision {
    private final StoredResponse response;
    private final Ticket ticket;

    private Decision(StoredResponse response, Ticket ticket) {
      this.response = response;
      this.ticket = ticket;
    }

    static Decision respond(StoredResponse response) {
      return new Decision(response, null);
    }

    static Decision proceed(Ticket ticket) {
      return new Decision(null, ticket);
    }

    static Decision passThrough() {
      return new Decision(null, null);
    }

    /** The answer to send without running the handler: a replay, 400, 409, 422 or 503. */
    public Optional<StoredResponse> response() {
      return Optional.ofNullable(response);
    }

    /** The claim to run the handler under; empty when answering at once or passing through unguarded. */
    public Optional<Ticket> ticket() {
      return Optional.ofNullable(ticket);
    }
  }

  /**
   * The lease on one key while its handler runs. Finish it exactly once: {@link #complete} with
   * the response, or {@link #release} when the handler failed. The filters hand it to the handler
   * as the attribute {@link #TICKET_ATTRIBUTE}, so a handler can resume at {@link #recoveryPoint()}
   * and fence its writes with {@link #fencingToken()}. Finish it on one thread; {@link
   * #keepLeaseAlive()} renews it from another.
   */
  public static final class Ticket {
    private final IdempotencyGuard guard;
    private final String scope;
    private final String keyHash;
    private final String token;
    private final String recoveryPoint;
    private volatile boolean leaseLost;

    Ticket(IdempotencyGuard guard, String scope, String keyHash, String token, String recoveryPoint) {
      this.guard = guard;
      this.scope = scope;
      this.keyHash = keyHash;
      this.token = token;
      this.recoveryPoint = recoveryPoint;
    }

    /**
     * The last phase a previous owner of this key recorded before its lease expired, so the
     * handler can resume there (Brandur Leach's atomic phases); empty on a fresh claim.
     */
    public Optional<String> recoveryPoint() {
      return Optional.ofNullable(recoveryPoint);
    }

    /** The lease's fencing token; pass it to writes that must refuse a stale owner. */
    public String fencingToken() {
      return token;
    }

    /**
     * Records that the handler finished a phase, renewing the lease.
     *
     * @return false when the lease was lost to another owner: stop, do not write
     */
    public boolean recordPhase(String phase) throws StoreUnavailableException {
      Objects.requireNonNull(phase, "phase");
      return guard.store.recordPhase(scope, keyHash, token, phase, guard.lease);
    }

    /**
     * Finishes the request with the handler's response: stored for replay when below 500,
     * otherwise the key is released. Bodies over the cap are stored empty with {@code
     * Idempotent-Body-Omitted: true}: the effect still happens once. A store that fails is tried
     * again, {@link Builder#completionAttempts} times in all; keep the lease alive meanwhile
     * ({@link #keepLeaseAlive()}).
     *
     * @return false when the lease was lost and nothing was stored (or, after a failed attempt
     *     that the store in fact took, when the outcome is already stored)
     * @throws StoreUnavailableException when every attempt failed
     */
    public boolean complete(int status, Map<String, List<String>> headers, byte[] body) throws StoreUnavailableException {
      if (status >= 500) {
        return release();
      }
      Map<String, List<String>> kept = guard.storable(headers);
      byte[] storedBody = body;
      if (body.length > guard.maxStoredBodyBytes) {
        kept.put("Idempotent-Body-Omitted", List.of("true"));
        storedBody = new byte[0];
      }
      return completeWithRetries(new StoredResponse(status, kept, storedBody));
    }

    /** Gives the key up so a retry runs the handler again. */
    public boolean release() throws StoreUnavailableException {
      return guard.store.release(scope, keyHash, token);
    }

    /**
     * Extends the lease by the guard's lease from now, fenced by the token.
     *
     * @return false when the lease was lost to another owner (then {@link #leaseLost()} is true)
     */
    public boolean renewLease() throws StoreUnavailableException {
      boolean held = guard.store.renewLease(scope, keyHash, token, guard.lease);
      if (!held) {
        leaseLost = true;
      }
      return held;
    }

    /**
     * Whether a renewal found the lease taken by another owner: the handler should stop before
     * its next effect, since a successor may be repeating the work.
     */
    public boolean leaseLost() {
      return leaseLost;
    }

    /**
     * Renews the lease every third of the lease until the returned handle is closed, on the
     * guard's {@link Builder#leaseRenewal} scheduler. A renewal the store fails to take is tried
     * again at the next period; one that finds the lease lost stops renewing. The filters call
     * this around the handler and the completion.
     */
    public LeaseRenewal keepLeaseAlive() {
      long periodMillis = Math.max(1, guard.lease.toMillis() / 3);
      ScheduledFuture<?>[] self = new ScheduledFuture<?>[1];
      Runnable renew = () -> {
        try {
          if (!renewLease() && self[0] != null) {
            self[0].cancel(false);
          }
        } catch (StoreUnavailableException | RuntimeException outage) {
          // The next period tries again; the lease still has two thirds left.
        }
      };
      ScheduledFuture<?> scheduled = guard.leaseRenewal().scheduleWithFixedDelay(renew, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
      self[0] = scheduled;
      return () -> scheduled.cancel(false);
    }

    private boolean completeWithRetries(StoredResponse response) throws StoreUnavailableException {
      StoreUnavailableException last = null;
      long delayMillis = guard.completionRetryDelay.toMillis();
      for (int attempt = 1; attempt <= guard.completionAttempts; attempt++) {
        try {
          return guard.store.complete(scope, keyHash, token, response, guard.retention);
        } catch (StoreUnavailableException failure) {
          last = failure;
        } catch (RuntimeException failure) {
          last = new StoreUnavailableException("idempotency store: complete failed: " + failure.getClass().getSimpleName(), failure);
        }
        if (attempt < guard.completionAttempts && delayMillis > 0) {
          try {
            Thread.sleep(delayMillis);
          } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
            break;
          }
          delayMillis *= 2;
        }
      }
      throw last;
    }
  }

  /** Renews a {@link Ticket}'s lease until closed; closing twice is harmless. */
  public interface LeaseRenewal extends AutoCloseable {
    /** Stops renewing (a renewal already running finishes). */
    @Override
    void close();
  }

  /** Problem+json answers (RFC 9457). They never echo the key. */
  static final class Problems {
    private Problems() {}

    static StoredResponse missingKey() {
      return problem(400, "idempotency-key-missing", "This endpoint requires an Idempotency-Key header.");
    }

    static StoredResponse malformedKey() {
      return problem(400, "idempotency-key-malformed",
          "The Idempotency-Key must be a quoted structured-field string of 1 to 255 printable ASCII characters in the expected format.");
    }

    static StoredResponse inProgress(Duration retryAfter) {
      StoredResponse problem = problem(409, "idempotency-key-in-use", "A request with this Idempotency-Key is still being processed; retry later.");
      Map<String, List<String>> headers = new LinkedHashMap<>(problem.headers());
      headers.put("Retry-After", List.of(Long.toString(Math.max(1, retryAfter.toSeconds()))));
      return new StoredResponse(409, headers, problem.body());
    }

    static StoredResponse mismatch() {
      return problem(422, "idempotency-key-reused", "This Idempotency-Key was used with a different request; use a new key.");
    }

    static StoredResponse storeUnavailable() {
      return problem(503, "idempotency-store-unavailable", "Requests cannot be de-duplicated right now; retry with the same key.");
    }

    private static StoredResponse problem(int status, String type, String detail) {
      String json = "{\"type\":\"https://tailguard.dev/problems/" + type + "\",\"title\":\"" + detail
          + "\",\"status\":" + status + "}";
      return new StoredResponse(status, Map.of("Content-Type", List.of("application/problem+json")),
          json.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Builds an {@link IdempotencyGuard}. Not thread-safe. */
  public static final class Builder {
    private final IdempotencyStore store;
    private boolean requireKey = true;
    private Predicate<String> keyFormat = key -> true;
    private Duration lease = Duration.ofSeconds(30);
    private Duration retention = Duration.ofHours(24);
    private int maxStoredBodyBytes = 1 << 20;
    private Set<String> storedHeaders = new TreeSet<>(DEFAULT_STORED_HEADERS);
    private boolean failOpen;
    private Duration inProgressRetryAfter = Duration.ofSeconds(1);
    private ScheduledExecutorService leaseRenewal;
    private int completionAttempts = 4;
    private Duration completionRetryDelay = Duration.ofMillis(100);

    private Builder(IdempotencyStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /** Whether a guarded request without a key is refused with 400. Default: true. */
    public Builder requireKey(boolean requireKey) {
      this.requireKey = requireKey;
      return this;
    }

    /**
     * An extra format every key must match, such as {@link KeyFormats#uuid()} or {@link
     * KeyFormats#atLeast(int)}; a key that fails it gets 400 and is never looked up. Default: any
     * valid structured-field string.
     */
    public Builder keyFormat(Predicate<String> keyFormat) {
      this.keyFormat = Objects.requireNonNull(keyFormat, "keyFormat");
      return this;
    }

    /**
     * How long a claim holds before another request may take it over. Make it longer than the
     * handler's p99.9. Default 30 s.
     */
    public Builder lease(Duration lease) {
      this.lease = positive(lease, "lease");
      return this;
    }

    /** How long records are kept. Default 24 h (Stripe's minimum). */
    public Builder retention(Duration retention) {
      this.retention = positive(retention, "retention");
      return this;
    }

    /** The largest body stored for replay. Default 1 MiB. */
    public Builder maxStoredBodyBytes(int bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("maxStoredBodyBytes must be >= 0: " + bytes);
      }
      this.maxStoredBodyBytes = bytes;
      return this;
    }

    /**
     * The response headers stored and replayed (case-insensitive). Default: Content-Type,
     * Content-Language, Content-Location, Location, ETag, Last-Modified, Cache-Control.
     *
     * @throws IllegalArgumentException for Set-Cookie, Authorization and other credentials
     */
    public Builder storedHeaders(Set<String> names) {
      Set<String> lower = new TreeSet<>();
      for (String name : names) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals("set-cookie") || n.equals("authorization") || n.equals("proxy-authorization") || n.equals("cookie")) {
          throw new IllegalArgumentException("storedHeaders must never include credentials: " + name);
        }
        lower.add(n);
      }
      this.storedHeaders = lower;
      return this;
    }

    /** Run handlers un-deduplicated when the store is down, instead of 503. Default: false. */
    public Builder failOpen(boolean failOpen) {
      this.failOpen = failOpen;
      return this;
    }

    /** The {@code Retry-After} on a 409 for a request still in progress. Default 1 s. */
    public Builder inProgressRetryAfter(Duration retryAfter) {
      this.inProgressRetryAfter = positive(retryAfter, "inProgressRetryAfter");
      return this;
    }

    /**
     * The scheduler that renews leases while handlers run ({@link Ticket#keepLeaseAlive()}).
     * Default: one daemon thread shared by every guard in the JVM. Tasks are short store calls.
     */
    public Builder leaseRenewal(ScheduledExecutorService scheduler) {
      this.leaseRenewal = Objects.requireNonNull(scheduler, "leaseRenewal");
      return this;
    }

    /**
     * How often a completion is tried in all when the store fails, and the pause before the
     * second try (doubling after each). Default 4 tries, 100 ms: about 0.7 s, far within the
     * default lease. {@code firstDelay} may be zero.
     *
     * @throws IllegalArgumentException if {@code attempts < 1} or {@code firstDelay} is negative
     */
    public Builder completionAttempts(int attempts, Duration firstDelay) {
      if (attempts < 1) {
        throw new IllegalArgumentException("completionAttempts must be >= 1: " + attempts);
      }
      Objects.requireNonNull(firstDelay, "firstDelay");
      if (firstDelay.isNegative()) {
        throw new IllegalArgumentException("completionAttempts firstDelay must be >= 0: " + firstDelay);
      }
      this.completionAttempts = attempts;
      this.completionRetryDelay = firstDelay;
      return this;
    }

    private static Duration positive(Duration value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + value);
      }
      return value;
    }

    public IdempotencyGuard build() {
      return new IdempotencyGuard(this);
    }
  }
}
