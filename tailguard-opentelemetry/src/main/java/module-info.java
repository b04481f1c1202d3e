/** OpenTelemetry tracing for Tailguard: a span per call and a child span per attempt. */
module dev.tailguard.opentelemetry {
  requires transitive dev.tailguard;
  requires transitive io.opentelemetry.api;
  requires io.opentelemetry.context;

  exports dev.tailguard.opentelemetry;
}
