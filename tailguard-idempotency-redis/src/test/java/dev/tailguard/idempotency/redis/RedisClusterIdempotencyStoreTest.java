package dev.tailguard.idempotency.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.testing.RealServers;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisKeyCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis store held to the store contract on a real 3-master Redis Cluster on 127.0.0.1
 * ({@code .ci/redis-cluster.sh start}). The nodes come from the environment variable {@code
 * TAILGUARD_REDIS_CLUSTER} or the system property {@code tailguard.redis.cluster}, as {@code
 * host:port,host:port,...}; default 127.0.0.1:7001-7003.
 */
class RedisClusterIdempotencyStoreTest extends RedisStoreContractTest {
  private static final String PREFIX = "tailguard-test:idem-cluster:";
  private static RedisClusterClient client;
  private static StatefulRedisClusterConnection<byte[], byte[]> connection;

  static List<RedisURI> nodes() {
    String spec = System.getenv("TAILGUARD_REDIS_CLUSTER");
    if (spec == null || spec.isBlank()) {
      spec = System.getProperty("tailguard.redis.cluster", "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003");
    }
    List<RedisURI> nodes = new ArrayList<>();
    for (String node : spec.split(",")) {
      String[] hostPort = node.trim().split(":");
      nodes.add(RedisURI.builder().withHost(hostPort[0]).withPort(Integer.parseInt(hostPort[1])).withTimeout(Duration.ofSeconds(2)).build());
    }
    return nodes;
  }

  @BeforeAll
  static void clusterAnswers() {
    RealServers.require("Redis Cluster on " + nodes(), () -> {
      client = RedisClusterClient.create(nodes());
      connection = client.connect(ByteArrayCodec.INSTANCE);
      return connection.sync().clusterInfo().contains("cluster_state:ok");
    }, ".ci/redis-cluster.sh start");
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

  /** Item 9: the records of many keys land on every master, and each is served there. */
  @Test
  void recordsSpreadOverTheClustersSlotsAndEachIsReplayedFromItsOwn() throws Exception {
    IdempotencyGuard guard = IdempotencyGuard.builder(store()).build();
    for (int i = 0; i < 30; i++) {
      guard.begin("tenant-" + i, "POST", "/charges", "\"k-" + i + "\"", new byte[0]).ticket().orElseThrow()
          .complete(201, java.util.Map.of(), new byte[] {'o', 'k'});
    }
    Set<String> masters = new HashSet<>();
    for (byte[] key : keys()) {
      masters.add(connection.getPartitions().getPartitionBySlot(SlotHash.getSlot(key)).getNodeId());
    }
    assertEquals(3, masters.size(), "30 records on a 3-master cluster use every master");
    for (int i = 0; i < 30; i++) {
      assertEquals(201, guard.begin("tenant-" + i, "POST", "/charges", "\"k-" + i + "\"", new byte[0]).response().orElseThrow().status());
    }
    assertEquals(30, records());
    assertTrue(new RedisIdempotencyStore(connection, PREFIX).reapExpired() >= 0);
  }
}
