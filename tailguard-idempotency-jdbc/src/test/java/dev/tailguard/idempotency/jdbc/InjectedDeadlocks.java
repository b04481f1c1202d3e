package dev.tailguard.idempotency.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A real data source whose next updates fail as deadlock victims do (SQLState 40001, MariaDB
 * error 1213) without running, the way InnoDB rolls back the loser of a deadlock.
 */
final class InjectedDeadlocks {
  private final AtomicInteger left = new AtomicInteger();

  /** Makes the next {@code count} statement executions fail as deadlock victims. */
  void next(int count) {
    left.set(count);
  }

  int left() {
    return left.get();
  }

  DataSource around(DataSource real) {
    return proxy(DataSource.class, real, (method, args) -> {
      Object result = call(real, method, args);
      return method.getName().equals("getConnection") ? connection((Connection) result) : result;
    });
  }

  private Connection connection(Connection real) {
    return proxy(Connection.class, real, (method, args) -> {
      Object result = call(real, method, args);
      return method.getName().equals("prepareStatement") ? statement((PreparedStatement) result) : result;
    });
  }

  private PreparedStatement statement(PreparedStatement real) {
    return proxy(PreparedStatement.class, real, (method, args) -> {
      if ((method.getName().equals("executeUpdate") || method.getName().equals("executeQuery")) && left.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new SQLException("Deadlock found when trying to get lock (injected)", "40001", 1213);
      }
      return call(real, method, args);
    });
  }

  private interface Call {
    Object invoke(Method method, Object[] args) throws Throwable;
  }

  private static <T> T proxy(Class<T> type, T real, Call call) {
    InvocationHandler handler = (self, method, args) -> call.invoke(method, args);
    return type.cast(Proxy.newProxyInstance(InjectedDeadlocks.class.getClassLoader(), new Class<?>[] {type}, handler));
  }

  private static Object call(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
