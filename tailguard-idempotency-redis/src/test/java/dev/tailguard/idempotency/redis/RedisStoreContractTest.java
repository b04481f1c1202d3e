package dev.tailguard.idempotency.redis;

import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.testing.idempotency.IdempotencyStoreContract;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.sync.RedisKeyCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The store contract on a real Redis, single node or cluster: what both share. Records are the
 * keys under {@link #prefix()}; the store has no clock parameter, leases are judged on Redis's
 * {@code TIME}, and Redis's clock cannot be moved, so time passes by waiting on 127.0.0.1.
 */
abstract class RedisStoreContractTest extends IdempotencyStoreContract {
  /** The key prefix of this test's records. */
  abstract String prefix();

  /** A new store on this test's connection and prefix. */
  abstract RedisIdempotencyStore newStore();

  /** The connection's key commands (single node or cluster). */
  abstract RedisKeyCommands<byte[], byte[]> commands();

  final List<byte[]> keys() {
    return commands().keys((prefix() + "*").getBytes(StandardCharsets.US_ASCII));
  }

  /** Closes what a subclass opened in its {@code @BeforeAll}; either may be null when the server was absent. */
  static void closeQuietly(StatefulConnection<?, ?> connection, AbstractRedisClient client) {
    if (connection != null) {
      connection.close();
    }
    if (client != null) {
      client.shutdown();
    }
  }

  @Override
  protected IdempotencyStore store() {
    // One key a DEL: on a cluster the keys live in many slots, which one DEL may not span.
    for (byte[] key : keys()) {
      commands().del(key);
    }
    return newStore();
  }

  /** No clock to skew: the second instance is another store on the same records. */
  @Override
  protected IdempotencyStore anotherInstanceWithClockAhead(Duration skew) {
    return newStore();
  }

  @Override
  protected void passTime(Duration duration) throws InterruptedException {
    Thread.sleep(duration.toMillis());
  }

  @Override
  protected long records() {
    return keys().size();
  }
}
