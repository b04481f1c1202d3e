package dev.tailguard.grpc;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.Jitter;
import dev.tailguard.RetryAdmission;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * gRPC service config (gRFC A6) as Tailguard policies, both ways: {@link #fromJson} turns a
 * config's {@code methodConfig} and {@code retryThrottling} into {@link GrpcPolicy}s for
 * {@link TailguardClientInterceptor}; {@link #toJson} writes Tailguard policies back for teams
 * that run grpc-java's built-in engine.
 *
 * <ul>
 *   <li>{@code retryPolicy}: maxAttempts (2..5; larger values count as 5, as A6 says),
 *       initialBackoff, maxBackoff, backoffMultiplier (at least 1), retryableStatusCodes (names
 *       or numbers) →
 *       exponential backoff with full jitter.
 *   <li>{@code hedgingPolicy}: maxAttempts, hedgingDelay (default 0s), nonFatalStatusCodes
 *       (absent or empty: no code is non-fatal, as A6 says) → a fixed hedge delay.
 *   <li>{@code timeout} → {@link GrpcPolicy#callTimeout()}, a deadline for the whole call.
 *   <li>{@code retryThrottling}: maxTokens (1..1000), tokenRatio → one token bucket shared by
 *       every method, as in grpc-java.
 *   <li>Method matching: {@code {service, method}} exactly, then {@code {service}}, then the
 *       empty name (the default). Unmatched methods run once.
 * </ul>
 *
 * <p>Errors name the field and its path, e.g. {@code methodConfig[1].retryPolicy.maxBackoff}; a
 * method named twice is an error, as in grpc-java. Every other field (waitForReady, message size
 * limits, load balancing, health checks, unknown names) is ignored with a WARNING through
 * {@link System.Logger} naming its path.
 * Exporting writes an adaptive or optimal hedge delay as its current estimate (gRPC knows only
 * fixed delays) and refuses what gRPC cannot express (a linear backoff, a zero initial backoff).
 * Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class GrpcServiceConfig {
  /** One {@code name} entry: a service and optionally a method; both empty for the default. */
  public record MethodName(String service, String method) {
    public MethodName {
      service = service == null ? "" : service;
      method = method == null ? "" : method;
    }
  }

  /** The policy for a set of method names. */
  public record MethodConfig(List<MethodName> names, GrpcPolicy policy) {
    public MethodConfig {
      names = List.copyOf(names);
      Objects.requireNonNull(policy, "policy");
    }
  }

  /** {@code retryThrottling}: a gRFC A6 token bucket shared by every method. */
  public record Throttling(int maxTokens, double tokenRatio) {}

  /** Far deeper than any real service config (load-balancing configs nest a few levels). */
  private static final int MAX_NESTING = 100;
  private static final System.Logger LOG = System.getLogger(GrpcServiceConfig.class.getName());

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

  private final List<MethodConfig> methods;
  private final Throttling throttling;
  private final Map<String, GrpcPolicy> byName = new LinkedHashMap<>();

  private GrpcServiceConfig(List<MethodConfig> methods, Throttling throttling) {
    this.methods = List.copyOf(methods);
    this.throttling = throttling;
    for (MethodConfig config : this.methods) {
      for (MethodName name : config.names()) {
        byName.putIfAbsent(key(name.service(), name.method()), config.policy());
      }
    }
  }

  private static String key(String service, String method) {
    return service + "/" + method;
  }

  /** Starts a builder for exporting Tailguard policies. */
  public static Builder builder() {
    return new Builder();
  }

  /** The method configs, in document order. */
  public List<MethodConfig> methods() {
    return methods;
  }

  /** The shared token bucket, if the config has one. */
  public Optional<Throttling> throttling() {
    return Optional.ofNullable(throttling);
  }

  /**
   * The policy for a full method name ({@code package.Service/Method}), or null when no entry
   * matches.
   */
  public GrpcPolicy policyFor(String fullMethodName) {
    int slash = fullMethodName.lastIndexOf('/');
    String service = slash < 0 ? fullMethodName : fullMethodName.substring(0, slash);
    String method = slash < 0 ? "" : fullMethodName.substring(slash + 1);
    GrpcPolicy exact = byName.get(key(service, method));
    if (exact != null) {
      return exact;
    }
    GrpcPolicy wholeService = byName.get(key(service, ""));
    return wholeService != null ? wholeService : byName.get(key("", ""));
  }

  /** An interceptor applying each method's policy; unmatched methods pass through. */
  public TailguardClientInterceptor interceptor() {
    return TailguardClientInterceptor.of(this);
  }

  // ---- import ----

  /**
   * Reads a service config.
   *
   * @throws IllegalArgumentException naming the field's path when the document is invalid
   */
  public static GrpcServiceConfig fromJson(String json) {
    Objects.requireNonNull(json, "json");
    checkNesting(json);
    JsonObject root;
    try {
      JsonElement parsed = JsonParser.parseString(Objects.requireNonNull(json, "json"));
      if (!parsed.isJsonObject()) {
        throw new IllegalArgumentException("service config must be a JSON object");
      }
      root = parsed.getAsJsonObject();
    } catch (JsonParseException malformed) {
      throw new IllegalArgumentException("service config is not valid JSON: " + malformed.getMessage(), malformed);
    }
    Throttling throttling = null;
    RetryAdmission budget = null;
    if (root.has("retryThrottling")) {
      JsonObject t = object(root.get("retryThrottling"), "retryThrottling");
      int maxTokens = integer(t, "maxTokens", "retryThrottling", 1, 1000);
      double tokenRatio = number(t, "tokenRatio", "retryThrottling");
      if (!(tokenRatio > 0)) {
        throw new IllegalArgumentException("retryThrottling.tokenRatio must be > 0: " + shown(t.get("tokenRatio")));
      }
      throttling = new Throttling(maxTokens, tokenRatio);
      warnIgnored(t, "retryThrottling", THROTTLING_FIELDS);
      budget = RetryBudget.tokenBucket().maxTokens(maxTokens).tokenRatio(tokenRatio).build();
    }
    List<MethodConfig> methods = new ArrayList<>();
    if (root.has("methodConfig")) {
      JsonArray configs = array(root.get("methodConfig"), "methodConfig");
      for (int i = 0; i < configs.size(); i++) {
        methods.add(methodConfig(object(configs.get(i), "methodConfig[" + i + "]"), "methodConfig[" + i + "]", budget));
      }
    }
    warnIgnored(root, "", ROOT_FIELDS);
    rejectDuplicateNames(methods);
    return new GrpcServiceConfig(methods, throttling);
  }

  /** The fields Tailguard reads at each level; any other is logged at WARNING with its path and ignored. */
  private static final Set<String> ROOT_FIELDS = Set.of("methodConfig", "retryThrottling");
  private static final Set<String> METHOD_FIELDS = Set.of("name", "retryPolicy", "hedgingPolicy", "timeout");
  private static final Set<String> RETRY_FIELDS = Set.of(
      "maxAttempts", "initialBackoff", "maxBackoff", "backoffMultiplier", "retryableStatusCodes");
  private static final Set<String> HEDGE_FIELDS = Set.of("maxAttempts", "hedgingDelay", "nonFatalStatusCodes");
  private static final Set<String> THROTTLING_FIELDS = Set.of("maxTokens", "tokenRatio");

  private static void warnIgnored(JsonObject object, String path, Set<String> honoured) {
    for (String field : object.keySet()) {
      if (!honoured.contains(field)) {
        String fieldPath = path.isEmpty() ? field : path + "." + field;
        LOG.log(System.Logger.Level.WARNING, "gRPC service config: " + fieldPath + " is not applied by Tailguard; ignored");
      }
    }
  }

  /** grpc-java rejects a config that names a method twice; so does Tailguard, naming both places. */
  private static void rejectDuplicateNames(List<MethodConfig> methods) {
    Map<MethodName, String> seen = new LinkedHashMap<>();
    for (int i = 0; i < methods.size(); i++) {
      List<MethodName> names = methods.get(i).names();
      for (int j = 0; j < names.size(); j++) {
        String path = "methodConfig[" + i + "].name[" + j + "]";
        String earlier = seen.putIfAbsent(names.get(j), path);
        if (earlier != null) {
          throw new IllegalArgumentException(path + " names the same method as " + earlier + ": " + display(names.get(j)));
        }
      }
    }
  }

  private static String display(MethodName name) {
    if (name.service().isEmpty()) {
      return "the default (empty name)";
    }
    return name.method().isEmpty() ? name.service() : name.service() + "/" + name.method();
  }

  /**
   * Refuses documents nested deeper than any service config is, before parsing: a hostile
   * document 200,000 brackets deep would otherwise exhaust the stack.
   */
  private static void checkNesting(String json) {
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        if (++depth > MAX_NESTING) {
          throw new IllegalArgumentException("service config nests deeper than " + MAX_NESTING + " levels (at character " + i + ")");
        }
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
  }

  private static MethodConfig methodConfig(JsonObject config, String path, RetryAdmission budget) {
    List<MethodName> names = new ArrayList<>();
    JsonArray nameArray = array(required(config, "name", path), path + ".name");
    for (int j = 0; j < nameArray.size(); j++) {
      String namePath = path + ".name[" + j + "]";
      JsonObject name = object(nameArray.get(j), namePath);
      String service = optionalString(name, "service", namePath);
      String method = optionalString(name, "method", namePath);
      if ((service == null || service.isEmpty()) && method != null && !method.isEmpty()) {
        throw new IllegalArgumentException(namePath + ".method needs a service: " + shown(name));
      }
      names.add(new MethodName(service, method));
    }
    boolean retry = config.has("retryPolicy");
    boolean hedge = config.has("hedgingPolicy");
    if (retry && hedge) {
      throw new IllegalArgumentException(path + " has both retryPolicy and hedgingPolicy; gRPC allows one");
    }
    GrpcPolicy.Builder policy = GrpcPolicy.builder();
    if (retry) {
      String p = path + ".retryPolicy";
      JsonObject r = object(config.get("retryPolicy"), p);
      int maxAttempts = Math.min(5, integer(r, "maxAttempts", p, 2, Integer.MAX_VALUE));
      Duration initial = positiveDuration(r, "initialBackoff", p);
      Duration max = positiveDuration(r, "maxBackoff", p);
      double multiplier = number(r, "backoffMultiplier", p);
      // A6 allows (0, 1), a shrinking backoff; Tailguard's exponential backoff never shrinks.
      if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException(p + ".backoffMultiplier must be a finite number >= 1: " + shown(r.get("backoffMultiplier")));
      }
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(p + ".maxBackoff must be >= initialBackoff: " + shown(r.get("maxBackoff")));
      }
      RetryPolicy.Builder retryPolicy = RetryPolicy.builder().maxAttempts(maxAttempts)
          .backoff(Backoff.exponential(initial, max, multiplier).withJitter(Jitter.full()));
      if (budget != null) {
        retryPolicy.admission(budget);
      }
      policy.retry(retryPolicy.build()).retryableCodes(codes(required(r, "retryableStatusCodes", p), p + ".retryableStatusCodes", false));
      warnIgnored(r, p, RETRY_FIELDS);
    } else if (hedge) {
      String p = path + ".hedgingPolicy";
      JsonObject h = object(config.get("hedgingPolicy"), p);
      int maxAttempts = Math.min(5, integer(h, "maxAttempts", p, 2, Integer.MAX_VALUE));
      Duration delay = Duration.ZERO;
      if (h.has("hedgingDelay")) {
        delay = ProtoDurations.parse(string(h.get("hedgingDelay"), p + ".hedgingDelay"));
        if (delay == null) {
          throw new IllegalArgumentException(p + ".hedgingDelay must be a duration like \"0.5s\": " + shown(h.get("hedgingDelay")));
        }
      }
      HedgePolicy.Builder hedgePolicy = HedgePolicy.builder(HedgeDelay.fixed(delay)).maxAttempts(maxAttempts);
      if (budget != null) {
        hedgePolicy.admission(budget);
      }
      policy.hedge(hedgePolicy.build());
      // A6: without nonFatalStatusCodes no code is non-fatal; the first failure ends the call.
      policy.retryableCodes(h.has("nonFatalStatusCodes")
          ? codes(h.get("nonFatalStatusCodes"), p + ".nonFatalStatusCodes", true) : Set.of());
      warnIgnored(h, p, HEDGE_FIELDS);
    }
    if (config.has("timeout")) {
      Duration timeout = positiveDuration(config, "timeout", path);
      policy.callTimeout(timeout);
    }
    warnIgnored(config, path, METHOD_FIELDS);
    return new MethodConfig(names, policy.build());
  }

  private static Set<Status.Code> codes(JsonElement element, String path, boolean mayBeEmpty) {
    JsonArray array = array(element, path);
    Set<Status.Code> codes = EnumSet.noneOf(Status.Code.class);
    for (int k = 0; k < array.size(); k++) {
      JsonElement code = array.get(k);
      String codePath = path + "[" + k + "]";
      if (!code.isJsonPrimitive()) {
        throw new IllegalArgumentException(codePath + " must be a status code name or number: " + shown(code));
      }
      JsonPrimitive primitive = code.getAsJsonPrimitive();
      Status.Code parsed = null;
      if (primitive.isNumber()) {
        int value = primitive.getAsInt();
        if (value >= 0 && value < Status.Code.values().length && primitive.getAsDouble() == value) {
          parsed = Status.fromCodeValue(value).getCode();
        }
      } else {
        try {
          parsed = Status.Code.valueOf(primitive.getAsString());
        } catch (IllegalArgumentException unknown) {
          parsed = null;
        }
      }
      if (parsed == null || parsed == Status.Code.OK) {
        throw new IllegalArgumentException(codePath + " is not a retryable status code: " + shown(code));
      }
      codes.add(parsed);
    }
    if (codes.isEmpty() && !mayBeEmpty) {
      throw new IllegalArgumentException(path + " must not be empty");
    }
    return codes;
  }

  /** An element as it may appear in an error message: short, and never the whole of a huge document. */
  private static String shown(JsonElement element) {
    if (element == null || element.isJsonNull()) {
      return "null";
    }
    if (element.isJsonObject()) {
      return "an object";
    }
    if (element.isJsonArray()) {
      return "an array";
    }
    String text = element.toString();
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }

  private static JsonElement required(JsonObject object, String field, String path) {
    JsonElement value = object.get(field);
    if (value == null || value.isJsonNull()) {
      throw new IllegalArgumentException(path + "." + field + " is required");
    }
    return value;
  }

  private static JsonObject object(JsonElement element, String path) {
    if (element == null || !element.isJsonObject()) {
      throw new IllegalArgumentException(path + " must be an object: " + shown(element));
    }
    return element.getAsJsonObject();
  }

  private static JsonArray array(JsonElement element, String path) {
    if (element == null || !element.isJsonArray()) {
      throw new IllegalArgumentException(path + " must be an array: " + shown(element));
    }
    return element.getAsJsonArray();
  }

  private static String string(JsonElement element, String path) {
    if (element == null || !element.isJsonPrimitive() || !element.getAsJsonPrimitive().isString()) {
      throw new IllegalArgumentException(path + " must be a string: " + shown(element));
    }
    return element.getAsString();
  }

  private static String optionalString(JsonObject object, String field, String path) {
    return object.has(field) ? string(object.get(field), path + "." + field) : null;
  }

  private static int integer(JsonObject object, String field, String path, int min, int max) {
    JsonElement value = required(object, field, path);
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
      throw new IllegalArgumentException(path + "." + field + " must be a number: " + shown(value));
    }
    double number = value.getAsDouble();
    if (number != Math.rint(number) || number < min || number > max) {
      throw new IllegalArgumentException(path + "." + field + " must be an integer in [" + min + ", " + max + "]: " + shown(value));
    }
    return (int) number;
  }

  private static double number(JsonObject object, String field, String path) {
    JsonElement value = required(object, field, path);
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
      throw new IllegalArgumentException(path + "." + field + " must be a number: " + shown(value));
    }
    return value.getAsDouble();
  }

  private static Duration positiveDuration(JsonObject object, String field, String path) {
    JsonElement value = required(object, field, path);
    Duration duration = ProtoDurations.parse(string(value, path + "." + field));
    if (duration == null || duration.isZero()) {
      throw new IllegalArgumentException(path + "." + field + " must be a positive duration like \"0.1s\": " + shown(value));
    }
    return duration;
  }

  // ---- export ----

  /**
   * Writes the config as gRPC service-config JSON.
   *
   * @throws IllegalArgumentException when a policy cannot be expressed in gRPC's terms
   */
  public String toJson() {
    JsonObject root = new JsonObject();
    JsonArray configs = new JsonArray();
    for (int i = 0; i < methods.size(); i++) {
      configs.add(exportMethod(methods.get(i), "methodConfig[" + i + "]"));
    }
    root.add("methodConfig", configs);
    if (throttling != null) {
      JsonObject t = new JsonObject();
      t.addProperty("maxTokens", throttling.maxTokens());
      t.addProperty("tokenRatio", throttling.tokenRatio());
      root.add("retryThrottling", t);
    }
    return GSON.toJson(root);
  }

  private static JsonObject exportMethod(MethodConfig config, String path) {
    JsonObject out = new JsonObject();
    JsonArray names = new JsonArray();
    for (MethodName name : config.names()) {
      JsonObject n = new JsonObject();
      if (!name.service().isEmpty()) {
        n.addProperty("service", name.service());
      }
      if (!name.method().isEmpty()) {
        n.addProperty("method", name.method());
      }
      names.add(n);
    }
    out.add("name", names);
    GrpcPolicy policy = config.policy();
    JsonArray codes = new JsonArray();
    policy.retryableCodes().stream().sorted().forEach(code -> codes.add(code.name()));
    if (policy.retry() != null) {
      RetryPolicy retry = policy.retry();
      Backoff backoff = retry.backoff();
      if (backoff.schedule() == Backoff.Schedule.LINEAR) {
        throw new IllegalArgumentException(path + ".retryPolicy: gRPC backoff is exponential; this policy's is " + backoff);
      }
      if (backoff.initial().isZero()) {
        throw new IllegalArgumentException(path + ".retryPolicy.initialBackoff: gRPC requires it > 0; this policy's backoff is " + backoff);
      }
      if (policy.retryableCodes().isEmpty()) {
        throw new IllegalArgumentException(path + ".retryPolicy.retryableStatusCodes: gRPC requires at least one code; this policy retries none");
      }
      boolean exponential = backoff.schedule() == Backoff.Schedule.EXPONENTIAL;
      JsonObject r = new JsonObject();
      r.addProperty("maxAttempts", Math.max(2, retry.maxAttempts()));
      r.addProperty("initialBackoff", ProtoDurations.format(backoff.initial()));
      r.addProperty("maxBackoff", ProtoDurations.format(exponential ? backoff.max() : backoff.initial()));
      r.addProperty("backoffMultiplier", exponential ? backoff.multiplier() : 1.0);
      r.add("retryableStatusCodes", codes);
      out.add("retryPolicy", r);
    } else if (policy.hedge() != null) {
      HedgePolicy hedge = policy.hedge();
      Duration delay = hedge.delay().currentDelay().orElseThrow(() -> new IllegalArgumentException(
          path + ".hedgingPolicy.hedgingDelay: " + hedge.delay() + " has no delay yet to export"));
      JsonObject h = new JsonObject();
      h.addProperty("maxAttempts", hedge.maxAttempts());
      h.addProperty("hedgingDelay", ProtoDurations.format(delay));
      h.add("nonFatalStatusCodes", codes);
      out.add("hedgingPolicy", h);
    }
    policy.callTimeout().ifPresent(timeout -> out.addProperty("timeout", ProtoDurations.format(timeout)));
    return out;
  }

  /** Builds a config from Tailguard policies, to export. Not thread-safe. */
  public static final class Builder {
    private final List<MethodConfig> methods = new ArrayList<>();
    private Throttling throttling;

    private Builder() {}

    /** Adds {@code policy} for the given names. */
    public Builder method(GrpcPolicy policy, MethodName... names) {
      if (names.length == 0) {
        throw new IllegalArgumentException("a method config needs at least one name");
      }
      methods.add(new MethodConfig(List.of(names), policy));
      return this;
    }

    /** Adds {@code retryThrottling} (a gRFC A6 token bucket). */
    public Builder throttling(int maxTokens, double tokenRatio) {
      if (maxTokens < 1 || maxTokens > 1000 || !(tokenRatio > 0)) {
        throw new IllegalArgumentException("throttling needs maxTokens in [1, 1000] and tokenRatio > 0: " + maxTokens + ", " + tokenRatio);
      }
      this.throttling = new Throttling(maxTokens, tokenRatio);
      return this;
    }

    /**
     * Builds the config.
     *
     * @throws IllegalArgumentException if a method name appears twice
     */
    public GrpcServiceConfig build() {
      rejectDuplicateNames(methods);
      return new GrpcServiceConfig(methods, throttling);
    }
  }
}
