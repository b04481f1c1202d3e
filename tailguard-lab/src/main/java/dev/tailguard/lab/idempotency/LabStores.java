package dev.tailguard.lab.idempotency;

import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.idempotency.InMemoryIdempotencyStore;
import dev.tailguard.idempotency.jdbc.JdbcIdempotencyStore;
import dev.tailguard.idempotency.redis.RedisIdempotencyStore;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The stores the {@code idempotency} scenario runs on, each on records of the lab's own: {@link
 * StoreSource#store()} empties them first, {@link StoreSource#shared()} opens another instance on
 * the same records, as a second service instance would.
 */
final class LabStores {
  static final String TABLE = "tailguard_idempotency_lab";
  static final String REDIS_PREFIX = "tailguard-lab:idem:";
  static final String CLUSTER_PREFIX = "tailguard-lab:idem-cluster:";

  private LabStores() {}

  interface StoreSource extends AutoCloseable {
    /** The store, its records emptied. */
    IdempotencyStore store() throws Exception;

    /** Another instance on the same records, not emptied. */
    IdempotencyStore shared() throws Exception;

    @Override
    default void close() throws Exception {}
  }

  interface Opener {
    StoreSource open() throws Exception;
  }

  /** Opens the source called {@code name}: {@code jdbc}, {@code redis} or {@code redis-cluster}. */
  static StoreSource open(String name) throws Exception {
    return switch (name) {
      case "jdbc" -> new PostgresSource();
      case "redis" -> RedisSource.single();
      case "redis-cluster" -> RedisSource.cluster();
      default -> throw new IllegalArgumentException("store must be jdbc, redis or redis-cluster, was " + name);
    };
  }

  /** The in-memory store: one JVM, so no other instance shares it. */
  static final class InMemoryStoreSource implements StoreSource {
    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(100_000);

    @Override
    public IdempotencyStore store() {
      return store;
    }

    @Override
    public IdempotencyStore shared() {
      return store;
    }
  }

  /** PostgreSQL at 127.0.0.1:5432, database test, on a table of the lab's own. */
  static final class PostgresSource implements StoreSource {
    private final PGSimpleDataSource dataSource = new PGSimpleDataSource();

    PostgresSource() throws Exception {
      dataSource.setServerNames(new String[] {"127.0.0.1"});
      dataSource.setPortNumbers(new int[] {5432});
      dataSource.setDatabaseName("test");
      dataSource.setUser("postgres");
      dataSource.setConnectTimeout(3);
      try (Connection connection = dataSource.getConnection()) {
        connection.isValid(3);
      }
    }

    @Override
    public IdempotencyStore store() throws Exception {
      JdbcIdempotencyStore store = new JdbcIdempotencyStore(dataSource, TABLE);
      store.createSchema();
      try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
        statement.execute("DELETE FROM " + TABLE);
      }
      return store;
    }

    @Override
    public IdempotencyStore shared() {
      return new JdbcIdempotencyStore(dataSource, TABLE);
    }
  }

  /** Redis at 127.0.0.1:6379, or a 3-master Redis Cluster at 127.0.0.1:7001-7003, under a prefix of the lab's own. */
  static final class RedisSource<C extends StatefulConnection<byte[], byte[]>> implements StoreSource {
    private final AbstractRedisClient client;
    private final C connection;
    private final Function<C, List<byte[]>> keys;
    private final BiConsumer<C, byte[]> delete;
    private final Function<C, RedisIdempotencyStore> open;

    private RedisSource(AbstractRedisClient client, Supplier<C> connect, Function<C, List<byte[]>> keys,
        BiConsumer<C, byte[]> delete, Function<C, RedisIdempotencyStore> open) {
      this.client = client;
      try {
        this.connection = connect.get();
      } catch (RuntimeException unavailable) {
        client.shutdown();
        throw unavailable;
      }
      this.keys = keys;
      this.delete = delete;
      this.open = open;
    }

    private static RedisURI node(int port) {
      return RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(Duration.ofSeconds(2)).build();
    }

    private static byte[] pattern(String prefix) {
      return (prefix + "*").getBytes(StandardCharsets.US_ASCII);
    }

    static RedisSource<StatefulRedisConnection<byte[], byte[]>> single() {
      RedisClient client = RedisClient.create(node(6379));
      return new RedisSource<>(client, () -> client.connect(ByteArrayCodec.INSTANCE), c -> c.sync().keys(pattern(REDIS_PREFIX)),
          (c, key) -> c.sync().del(key), c -> new RedisIdempotencyStore(c, REDIS_PREFIX));
    }

    static RedisSource<StatefulRedisClusterConnection<byte[], byte[]>> cluster() {
      List<RedisURI> nodes = new ArrayList<>();
      for (int port = 7001; port <= 7003; port++) {
        nodes.add(node(port));
      }
      RedisClusterClient client = RedisClusterClient.create(nodes);
      return new RedisSource<>(client, () -> client.connect(ByteArrayCodec.INSTANCE), c -> c.sync().keys(pattern(CLUSTER_PREFIX)),
          (c, key) -> c.sync().del(key), c -> new RedisIdempotencyStore(c, CLUSTER_PREFIX));
    }

    @Override
    public IdempotencyStore store() {
      // One key a DEL: on a cluster the keys live in many slots, which one DEL may not span.
      for (byte[] key : keys.apply(connection)) {
        delete.accept(connection, key);
      }
      return open.apply(connection);
    }

    @Override
    public IdempotencyStore shared() {
      return open.apply(connection);
    }

    @Override
    public void close() {
      connection.close();
      client.shutdown();
    }
  }
}
