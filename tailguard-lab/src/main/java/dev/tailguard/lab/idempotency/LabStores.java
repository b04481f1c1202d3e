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
 * The stores the {@code idempotency} scenario runs on, each on records of one run's own: a table
 * or key prefix named after a run id ({@link #newRun()}), so that two lab runs on one database or
 * Redis (two engineers on a shared machine) never see, replay or delete each other's records.
 * {@link StoreSource#store()} empties the run's records first and makes this source their owner;
 * the owner's {@link StoreSource#close()} removes them (the table, the keys). {@link
 * StoreSource#shared()} opens another instance on the same records, as a second service instance
 * would.
 *
 * <p>Before run ids, every run used one table and one prefix and emptied them at its start: a run
 * that started while another's {@code *-skewed-clocks} row was in flight deleted that row's
 * completed records, the instance still asking with the same key then found it free and ran the
 * handler a second time, and the row counted a duplicate the product never made.
 */
final class LabStores {
  static final String TABLE = "tailguard_idempotency_lab";
  static final String REDIS_PREFIX = "tailguard-lab:idem:";
  static final String CLUSTER_PREFIX = "tailguard-lab:idem-cluster:";

  private static final java.util.regex.Pattern RUN = java.util.regex.Pattern.compile("[a-z0-9]{1,16}");

  private LabStores() {}

  /** A fresh run id: 12 random lowercase hex digits. */
  static String newRun() {
    return java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(8).putLong(new java.security.SecureRandom().nextLong()).array())
        .substring(0, 12);
  }

  private static String checkedRun(String run) {
    if (run == null || !RUN.matcher(run).matches()) {
      throw new IllegalArgumentException("run must be 1 to 16 lowercase letters or digits, was " + run);
    }
    return run;
  }

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

  /** Opens the source called {@code name} ({@code jdbc}, {@code redis} or {@code redis-cluster}) on run {@code run}'s records. */
  static StoreSource open(String name, String run) throws Exception {
    return switch (name) {
      case "jdbc" -> new PostgresSource(run);
      case "redis" -> RedisSource.single(run);
      case "redis-cluster" -> RedisSource.cluster(run);
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

  /** PostgreSQL at 127.0.0.1:5432, database test, on a table of the run's own ({@value #TABLE}_<run>). */
  static final class PostgresSource implements StoreSource {
    private final PGSimpleDataSource dataSource = new PGSimpleDataSource();
    private final String table;
    private volatile boolean owner;

    PostgresSource(String run) throws Exception {
      this.table = TABLE + "_" + checkedRun(run);
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
      JdbcIdempotencyStore store = new JdbcIdempotencyStore(dataSource, table);
      store.createSchema();
      owner = true;
      try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
        statement.execute("DELETE FROM " + table);
      }
      return store;
    }

    @Override
    public IdempotencyStore shared() {
      return new JdbcIdempotencyStore(dataSource, table);
    }

    @Override
    public void close() throws Exception {
      // Only the owner drops the run's table: a second instance closing must not pull it from under the first.
      if (!owner) {
        return;
      }
      try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
        statement.execute("DROP TABLE IF EXISTS " + table);
      }
    }
  }

  /** Redis at 127.0.0.1:6379, or a 3-master Redis Cluster at 127.0.0.1:7001-7003, under a prefix of the run's own. */
  static final class RedisSource<C extends StatefulConnection<byte[], byte[]>> implements StoreSource {
    private final AbstractRedisClient client;
    private final C connection;
    private final Function<C, List<byte[]>> keys;
    private final BiConsumer<C, byte[]> delete;
    private final Function<C, RedisIdempotencyStore> open;
    private volatile boolean owner;

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

    static RedisSource<StatefulRedisConnection<byte[], byte[]>> single(String run) {
      String prefix = REDIS_PREFIX + checkedRun(run) + ":";
      RedisClient client = RedisClient.create(node(6379));
      return new RedisSource<>(client, () -> client.connect(ByteArrayCodec.INSTANCE), c -> c.sync().keys(pattern(prefix)),
          (c, key) -> c.sync().del(key), c -> new RedisIdempotencyStore(c, prefix));
    }

    static RedisSource<StatefulRedisClusterConnection<byte[], byte[]>> cluster(String run) {
      String prefix = CLUSTER_PREFIX + checkedRun(run) + ":";
      List<RedisURI> nodes = new ArrayList<>();
      for (int port = 7001; port <= 7003; port++) {
        nodes.add(node(port));
      }
      RedisClusterClient client = RedisClusterClient.create(nodes);
      return new RedisSource<>(client, () -> client.connect(ByteArrayCodec.INSTANCE), c -> c.sync().keys(pattern(prefix)),
          (c, key) -> c.sync().del(key), c -> new RedisIdempotencyStore(c, prefix));
    }

    @Override
    public IdempotencyStore store() {
      // One key a DEL: on a cluster the keys live in many slots, which one DEL may not span.
      deleteRunKeys();
      owner = true;
      return open.apply(connection);
    }

    private void deleteRunKeys() {
      for (byte[] key : keys.apply(connection)) {
        delete.accept(connection, key);
      }
    }

    @Override
    public IdempotencyStore shared() {
      return open.apply(connection);
    }

    @Override
    public void close() {
      try {
        // Only the owner removes the run's keys: a second instance closing must not pull them from under the first.
        if (owner) {
          deleteRunKeys();
        }
      } finally {
        connection.close();
        client.shutdown();
      }
    }
  }
}
