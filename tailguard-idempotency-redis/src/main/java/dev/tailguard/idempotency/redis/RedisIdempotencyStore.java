package dev.tailguard.idempotency.redis;

import dev.tailguard.idempotency.Claim;
import dev.tailguard.idempotency.HeaderLines;
import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.idempotency.StoreUnavailableException;
import dev.tailguard.idempotency.StoredResponse;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Idempotency records in Redis or Redis Cluster, shared by every instance of a service.
 *
 * <p>Each record is one hash at {@code <prefix><sha256(scope)>:<sha256(key)>}: nothing a client
 * sends reaches a key name, so there is no glob or injection and the length is fixed. Claim,
 * complete, renew, phase and release are Lua scripts, so each is atomic in Redis; all but the
 * claim are compare-and-set on the lease's fencing token (a plain {@code DEL} could delete a
 * successor's claim, a plain {@code SET} overwrite a concurrent winner). Every script touches
 * exactly one key, so on Redis Cluster it runs whole on that key's slot.
 *
 * <p><b>Time source:</b> leases and retention are judged on Redis's clock ({@code TIME}, read
 * inside each script), never the instance's, so instances whose clocks disagree still agree on
 * whether a lease is live. Redis also expires each record after its retention as a backstop.
 *
 * <p>Redis is a best-effort store unless it is persistent and replicated: a failover can lose a
 * claim, so make the protected write itself unique where it matters. Any Lettuce failure
 * (timeout, closed connection, cluster redirection that cannot be followed) is reported as
 * {@link StoreUnavailableException}. Thread-safe (Lettuce connections are).
 *
 * @since 0.1
 */
public final class RedisIdempotencyStore implements IdempotencyStore {
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9:_-]{1,64}");

  /** Redis's clock in epoch milliseconds, inside a script (Redis 5+ replicates scripts by effect). */
  private static final String NOW = String.join("\n",
      "local t = redis.call('TIME')",
      "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)");

  // ARGV: fingerprint, token, lease ms, retention ms.
  private static final String CLAIM = NOW + "\n" + String.join("\n",
      "local h = redis.call('HMGET', KEYS[1], 'fp', 'state', 'lease', 'exp', 'rp')",
      "if h[1] == false or tonumber(h[4]) < now then",
      "  redis.call('DEL', KEYS[1])",
      "  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'state', 'IN_PROGRESS', 'token', ARGV[2],"
          + " 'lease', now + tonumber(ARGV[3]), 'exp', now + tonumber(ARGV[4]))",
      "  redis.call('PEXPIRE', KEYS[1], ARGV[4])",
      "  return {'CLAIMED', ''}",
      "end",
      "if h[1] ~= ARGV[1] then return {'MISMATCH'} end",
      "if h[2] == 'COMPLETED' then",
      "  local r = redis.call('HMGET', KEYS[1], 'status', 'headers', 'body')",
      "  return {'COMPLETED', r[1], r[2] or '', r[3] or ''}",
      "end",
      "if tonumber(h[3]) > now then return {'IN_PROGRESS'} end",
      "redis.call('HSET', KEYS[1], 'token', ARGV[2], 'lease', now + tonumber(ARGV[3]))",
      "return {'CLAIMED', h[5] or ''}");

  private static final String FENCE = String.join("\n",
      "if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'state') ~= 'IN_PROGRESS' then",
      "  return 0",
      "end");

  // ARGV: token, status, headers, body, retention ms.
  private static final String COMPLETE = FENCE + "\n" + NOW + "\n" + String.join("\n",
      "redis.call('HSET', KEYS[1], 'state', 'COMPLETED', 'status', ARGV[2], 'headers', ARGV[3], 'body', ARGV[4],"
          + " 'exp', now + tonumber(ARGV[5]))",
      "redis.call('HDEL', KEYS[1], 'token', 'lease')",
      "redis.call('PEXPIRE', KEYS[1], ARGV[5])",
      "return 1");

  // ARGV: token, phase, lease ms.
  private static final String PHASE = FENCE + "\n" + NOW + "\n" + String.join("\n",
      "redis.call('HSET', KEYS[1], 'rp', ARGV[2], 'lease', now + tonumber(ARGV[3]))",
      "return 1");

  // ARGV: token, lease ms.
  private static final String RENEW = FENCE + "\n" + NOW + "\n" + String.join("\n",
      "redis.call('HSET', KEYS[1], 'lease', now + tonumber(ARGV[2]))",
      "return 1");

  private static final String RELEASE = FENCE + "\n" + String.join("\n",
      "redis.call('DEL', KEYS[1])",
      "return 1");

  private static final String REAP = NOW + "\n" + String.join("\n",
      "local e = redis.call('HGET', KEYS[1], 'exp')",
      "if e and tonumber(e) < now then redis.call('DEL', KEYS[1]) return 1 end",
      "return 0");

  private final RedisClusterCommands<byte[], byte[]> redis;
  private final String prefix;

  /**
   * A store on a single Redis: {@code connection} opened with {@code ByteArrayCodec}; the caller
   * closes it.
   *
   * @param prefix the key prefix, e.g. {@code "idem:"}; letters, digits and {@code :_-} only
   * @throws IllegalArgumentException if the prefix is not of that form
   */
  public RedisIdempotencyStore(StatefulRedisConnection<byte[], byte[]> connection, String prefix) {
    this(Objects.requireNonNull(connection, "connection").sync(), prefix);
  }

  /**
   * A store on a Redis Cluster: {@code connection} from {@code RedisClusterClient.connect(ByteArrayCodec.INSTANCE)};
   * the caller closes it. Records spread over the cluster's slots by key; {@link #reapExpired()}
   * scans every master.
   *
   * @param prefix the key prefix, e.g. {@code "idem:"}; letters, digits and {@code :_-} only
   * @throws IllegalArgumentException if the prefix is not of that form
   * @since 0.2
   */
  public RedisIdempotencyStore(StatefulRedisClusterConnection<byte[], byte[]> connection, String prefix) {
    this(Objects.requireNonNull(connection, "connection").sync(), prefix);
  }

  private RedisIdempotencyStore(RedisClusterCommands<byte[], byte[]> redis, String prefix) {
    this.redis = redis;
    if (prefix == null || !PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException("prefix must match " + PREFIX + ": " + prefix);
    }
    this.prefix = prefix;
  }

  private byte[] key(String scope, String keyHash) {
    return (prefix + sha256(scope) + ":" + keyHash).getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public Claim claim(String scope, String keyHash, String fingerprint, Duration lease, Duration retention)
      throws StoreUnavailableException {
    String token = UUID.randomUUID().toString();
    List<Object> answer = run("claim", CLAIM, ScriptOutputType.MULTI, key(scope, keyHash),
        fingerprint, token, Long.toString(lease.toMillis()), Long.toString(retention.toMillis()));
    String outcome = text(answer.get(0));
    switch (outcome) {
      case "CLAIMED":
        String recoveryPoint = text(answer.get(1));
        return Claim.claimed(token, recoveryPoint.isEmpty() ? null : recoveryPoint);
      case "MISMATCH":
        return Claim.mismatch();
      case "IN_PROGRESS":
        return Claim.inProgress();
      case "COMPLETED":
        return Claim.completed(new StoredResponse(Integer.parseInt(text(answer.get(1))), HeaderLines.decode(text(answer.get(2))),
            (byte[]) answer.get(3)));
      default:
        throw new StoreUnavailableException("unexpected claim answer from Redis: " + outcome, null);
    }
  }

  @Override
  public boolean complete(String scope, String keyHash, String token, StoredResponse response, Duration retention)
      throws StoreUnavailableException {
    byte[][] args = {bytes(token), bytes(Integer.toString(response.status())), bytes(HeaderLines.encode(response.headers())), response.body(),
        bytes(Long.toString(retention.toMillis()))};
    return isOne(runRaw("complete", COMPLETE, ScriptOutputType.INTEGER, key(scope, keyHash), args));
  }

  @Override
  public boolean recordPhase(String scope, String keyHash, String token, String phase, Duration lease)
      throws StoreUnavailableException {
    return isOne(runRaw("recordPhase", PHASE, ScriptOutputType.INTEGER, key(scope, keyHash),
        new byte[][] {bytes(token), bytes(phase), bytes(Long.toString(lease.toMillis()))}));
  }

  @Override
  public boolean renewLease(String scope, String keyHash, String token, Duration lease) throws StoreUnavailableException {
    return isOne(runRaw("renewLease", RENEW, ScriptOutputType.INTEGER, key(scope, keyHash),
        new byte[][] {bytes(token), bytes(Long.toString(lease.toMillis()))}));
  }

  @Override
  public boolean release(String scope, String keyHash, String token) throws StoreUnavailableException {
    return isOne(runRaw("release", RELEASE, ScriptOutputType.INTEGER, key(scope, keyHash), new byte[][] {bytes(token)}));
  }

  /** Deletes this store's records past their retention, by SCAN over the prefix (on every master of a cluster). */
  @Override
  public int reapExpired() throws StoreUnavailableException {
    int reaped = 0;
    try {
      ScanArgs match = ScanArgs.Builder.matches(prefix + "*").limit(500);
      KeyScanCursor<byte[]> cursor = redis.scan(match);
      while (true) {
        for (byte[] key : cursor.getKeys()) {
          reaped += isOne(redis.eval(REAP, ScriptOutputType.INTEGER, new byte[][] {key})) ? 1 : 0;
        }
        if (cursor.isFinished()) {
          return reaped;
        }
        // The cursor itself, not its number: on a cluster it also says which master comes next.
        cursor = redis.scan(cursor, match);
      }
    } catch (RuntimeException failure) {
      throw new StoreUnavailableException("Redis idempotency store: reapExpired failed: " + failure.getClass().getSimpleName(), failure);
    }
  }

  private List<Object> run(String operation, String script, ScriptOutputType type, byte[] key, String... args)
      throws StoreUnavailableException {
    byte[][] raw = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      raw[i] = bytes(args[i]);
    }
    return runRaw(operation, script, type, key, raw);
  }

  private <T> T runRaw(String operation, String script, ScriptOutputType type, byte[] key, byte[][] args)
      throws StoreUnavailableException {
    try {
      return redis.eval(script, type, new byte[][] {key}, args);
    } catch (RuntimeException failure) {
      // RedisException and anything else the client throws: the store did not answer.
      throw new StoreUnavailableException("Redis idempotency store: " + operation + " failed: " + failure.getClass().getSimpleName(), failure);
    }
  }

  private static boolean isOne(Object answer) {
    return answer instanceof Long && (Long) answer == 1L;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Object value) {
    return value == null ? "" : new String((byte[]) value, StandardCharsets.UTF_8);
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
