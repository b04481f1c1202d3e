package dev.tailguard.examples.springboot;

import dev.tailguard.spring.TailguardRestClients;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * Serves a flaky endpoint (every third request answers 503 with {@code Retry-After: 0}), calls it
 * twenty times through the {@code flaky} client of application.yml, prints what came back and the
 * {@code /actuator/tailguard} snapshot, and exits.
 */
@SpringBootApplication
public class FlakyExampleApplication {
  public static void main(String[] args) {
    SpringApplication.run(FlakyExampleApplication.class, args);
  }

  /** The flaky backend. */
  @RestController
  static class Flaky {
    private final AtomicInteger requests = new AtomicInteger();

    @GetMapping("/flaky")
    ResponseEntity<String> flaky() {
      int n = requests.incrementAndGet();
      return n % 3 == 1
          ? ResponseEntity.status(503).header("Retry-After", "0").body("busy, request " + n)
          : ResponseEntity.ok("ok, request " + n);
    }

    int requests() {
      return requests.get();
    }
  }

  @Bean
  CommandLineRunner callTheFlakyEndpoint(RestClient.Builder builder, TailguardRestClients clients, Flaky backend,
      ConfigurableApplicationContext context) {
    return args -> {
      RestClient flaky = clients.apply("flaky", builder).build();
      for (int call = 1; call <= 20; call++) {
        // The last response comes back when retries stop (attempts, deadline or the shared budget).
        String outcome = flaky.get().uri("/flaky").exchange((request, response) ->
            response.getStatusCode().value() + " " + new String(response.getBody().readAllBytes()));
        System.out.println("call " + call + ": " + outcome);
      }
      System.out.println("20 calls, " + backend.requests() + " requests reached the backend");
      System.out.println("/actuator/tailguard: " + RestClient.create("http://127.0.0.1:8089")
          .get().uri("/actuator/tailguard").retrieve().body(String.class));
      context.close();
    };
  }
}
