/** Server-side Idempotency-Key handling: engine, store SPI, in-memory store, JDK HttpServer filter. */
module dev.tailguard.idempotency {
  requires transitive jdk.httpserver;

  exports dev.tailguard.idempotency;
}
