package dev.tailguard.idempotency.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.testing.RealServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisKeyCommands;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Redis store held to the store contract on a real Redis at 127.0.0.1:6379. */
class RedisIdempotencyStoreTest extends RedisStoreContractTest {
  private static final String PREFIX = "tailguard-test:idem:";
  private static RedisClient client;
  private static StatefulRedisConnection<byte[], byte[]> connection;

  @BeforeAll
  static void redisAnswers() {
    RealServers.require("Redis on 127.0.0.1:6379", () -> {
      client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(6379).withTimeout(Duration.ofSeconds(2)).build());
      connection = client.connect(ByteArrayCodec.INSTANCE);
      return "PONG".equals(connection.sync().ping());
    }, "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no");
  }

  @AfterAll
  static void close() {
    closeQuietly(connection, client);
  }

  @Override
  String prefix() {
    return PREFIX;
  }

  @Override
  RedisIdempotencyStore newStore() {
    return new RedisIdempotencyStore(connection, PREFIX);
  }

  @Override
  RedisKeyCommands<byte[], byte[]> commands() {
    return connection.sync();
  }

  @Test
  void keysAreHashesSoClientInputNeverShapesARedisKey() throws Exception {
    IdempotencyGuard guard = IdempotencyGuard.builder(store()).build();
    guard.begin("alice*", "POST", "/charges", "\"*?[a]\"", new byte[0]);
    List<byte[]> keys = keys();
    assertEquals(1, keys.size());
    assertEquals(true, new String(keys.get(0), StandardCharsets.US_ASCII).matches("tailguard-test:idem:[0-9a-f]{64}:[0-9a-f]{64}"));
  }

  @Test
  void aClosedConnectionGives503() {
    RedisClient other = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(6379).withTimeout(Duration.ofSeconds(1)).build());
    StatefulRedisConnection<byte[], byte[]> closed = other.connect(ByteArrayCodec.INSTANCE);
    IdempotencyGuard guard = IdempotencyGuard.builder(new RedisIdempotencyStore(closed, PREFIX)).build();
    closed.close();
    try {
      assertEquals(503, guard.begin("alice", "POST", "/charges", "\"k\"", new byte[0]).response().orElseThrow().status());
    } finally {
      other.shutdown();
    }
  }
}
