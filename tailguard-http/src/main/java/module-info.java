/** Tailguard for the JDK HttpClient: server hints, idempotency rules and redaction (the client wrapper comes next). */
module dev.tailguard.http {
  requires transitive dev.tailguard;
  requires transitive java.net.http;

  exports dev.tailguard.http;
}
