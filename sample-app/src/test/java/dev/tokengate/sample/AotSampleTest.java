package dev.tokengate.sample;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.sample.DemoClients.DemoClient;
import dev.tokengate.sample.api.ApiApplication;
import dev.tokengate.sample.client.ClientCredentialsTokenSource;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The starter in an AOT-processed application. The build runs {@code spring-boot:process-aot} on the sample's API
 * ({@link ApiApplication}, see sample-app/pom.xml); this test starts that API in a JVM of its own with {@code
 * -Dspring.aot.enabled=true}, as a user runs an AOT-processed jar, and a second one without, and sends both the same
 * requests with real tokens from the sample's Spring Authorization Server: every answer must be the same, and the
 * expected one (401 without token, 200 with, 403 for a missing {@code @RequiredScope}, 401 for a forged token).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AotSampleTest {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern TOMCAT_STARTED = Pattern.compile("Tomcat started on port (\\d+)");

  private final HttpClient http = HttpClient.newHttpClient();
  private ConfigurableApplicationContext issuer;
  private URI issuerUri;
  private final List<Process> started = new ArrayList<>();
  private Path work;
  private Api aot;
  private Api regular;

  /** An API in a child JVM, its port and its console output. */
  private record Api(Process process, URI uri, Path output) {
    String log() throws IOException {
      return Files.readString(output, UTF_8);
    }
  }

  @BeforeAll
  void start() throws Exception {
    issuer = SampleServers.startIssuer(new SampleServers.Options(0, 0, Duration.ofMinutes(5), Clock.systemUTC()));
    issuerUri = URI.create("http://127.0.0.1:" + SampleServers.port(issuer));
    work = Files.createTempDirectory("aot-sample");
    // Both JVMs start side by side: the test waits for the slower of the two, not for their sum.
    Process aotProcess = launch(work, "aot", true);
    Process regularProcess = launch(work, "regular", false);
    aot = awaitStarted(aotProcess, work.resolve("aot.log"));
    regular = awaitStarted(regularProcess, work.resolve("regular.log"));
  }

  @AfterAll
  void stop() throws InterruptedException, IOException {
    for (Process process : started) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    if (issuer != null) {
      issuer.close();
    }
    if (work != null) {
      try (var files = Files.walk(work)) {
        for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(file);
        }
      }
    }
  }

  @Test
  void aotApi_runsTheAotProcessedContext() throws IOException {
    // Spring Boot's start-up line says which: "Starting AOT-processed ApiApplication using Java ...".
    assertThat(aot.log()).contains("Starting AOT-processed ApiApplication");
    assertThat(regular.log()).contains("Starting ApiApplication").doesNotContain("AOT-processed");
  }

  @Test
  void aotProcessing_wroteTokengatesNativeImageHints() throws IOException {
    // process-aot ran the starter's RequiredScopeAotProcessor (aot.factories): the annotation and the controller
    // carrying it are in the reachability metadata a native-image build would read.
    Path metadata = Path.of("target/classes/META-INF/native-image/dev.tokengate/tokengate-sample-app"
        + "/reachability-metadata.json");
    assertThat(Files.readString(metadata, UTF_8))
        .contains("\"type\": \"dev.tokengate.RequiredScope\"", "\"type\": \"dev.tokengate.sample.api.ApiController\"");
  }

  @Test
  void noToken_is401WithABareChallenge() throws Exception {
    HttpResponse<String> response = sameOnBoth("GET", "/api/countries", null, null);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
  }

  @Test
  void tokenWithTheScope_reachesTheHandler() throws Exception {
    HttpResponse<String> response = sameOnBoth("GET", "/api/countries", token(DemoClients.ORDERS_SERVICE), null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"code\":\"NL\"", "\"code\":\"JP\"");
  }

  @Test
  void missingRequiredScope_is403InsufficientScope_andNoOrderIsPlaced() throws Exception {
    HttpResponse<String> response = sameOnBoth("POST", "/api/orders", token(DemoClients.REPORTING_SERVICE),
        "{\"country\":\"JP\",\"quantity\":3}");

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"insufficient_scope\", error_description=\"The access token lacks a scope this request requires\","
        + " scope=\"orders:write\"");
    assertThat(response.body()).doesNotContain("placedBy");
  }

  @Test
  void requiredScopeHeld_placesTheOrder_asTheCaller() throws Exception {
    String token = token(DemoClients.ORDERS_SERVICE);
    for (Api api : List.of(aot, regular)) {
      HttpResponse<String> response = send(api, "POST", "/api/orders", token, "{\"country\":\"JP\",\"quantity\":3}");
      assertThat(response.statusCode()).as(api.uri().toString()).isEqualTo(201);
      assertThat(response.body()).contains("\"placedBy\":\"orders-service\"");
    }
  }

  @Test
  void anyValidToken_reachesWhoami_withTheClientPrincipal() throws Exception {
    HttpResponse<String> response = sameOnBoth("GET", "/api/whoami", token(DemoClients.REPORTING_SERVICE), null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"clientId\":\"reporting-service\",\"scopes\":[\"countries:read\"]}");
  }

  @Test
  void forgedToken_is401InvalidToken() throws Exception {
    String token = token(DemoClients.ORDERS_SERVICE);
    String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA" + token.substring(token.lastIndexOf('.') + 5);

    HttpResponse<String> response = sameOnBoth("GET", "/api/whoami", forged, null);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");
  }

  @Test
  void publicPath_needsNoToken_andThePathFirewallHolds() throws Exception {
    assertThat(sameOnBoth("GET", "/health", null, null).statusCode()).isEqualTo(200);
    assertThat(sameOnBoth("GET", "/api/countries/..;/..;/health", null, null).statusCode()).isEqualTo(400);
  }

  /** Sends the request to both APIs; asserts the status, challenge and body are the same, and returns one. */
  private HttpResponse<String> sameOnBoth(String method, String path, String token, String json) throws Exception {
    HttpResponse<String> fromAot = send(aot, method, path, token, json);
    HttpResponse<String> fromRegular = send(regular, method, path, token, json);
    assertThat(fromAot.statusCode()).as("status of %s %s", method, path).isEqualTo(fromRegular.statusCode());
    assertThat(fromAot.headers().firstValue("WWW-Authenticate")).isEqualTo(
        fromRegular.headers().firstValue("WWW-Authenticate"));
    assertThat(fromAot.body()).isEqualTo(fromRegular.body());
    return fromAot;
  }

  private HttpResponse<String> send(Api api, String method, String path, String token, String json)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api.uri() + path))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
        .timeout(Duration.ofSeconds(10));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (json != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String token(DemoClient client) {
    return new ClientCredentialsTokenSource(http, issuerUri.resolve("/oauth2/token"), client.id(), client.secret(),
        client.scopeParameter(), Clock.systemUTC(), event -> {}).token();
  }

  /**
   * Starts {@link ApiApplication#main} in a new JVM on this module's class path (its classes include what
   * process-aot generated), on a free loopback port.
   */
  private Process launch(Path work, String name, boolean aotEnabled) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    if (aotEnabled) {
      command.add("-Dspring.aot.enabled=true");
    }
    command.addAll(List.of("-cp", applicationClassPath(), ApiApplication.class.getName(),
        "--tokengate.issuer=" + issuerUri,
        "--server.address=127.0.0.1",
        "--server.port=0",
        "--spring.main.banner-mode=off"));
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(work.resolve(name + ".log").toFile())
        .start();
    started.add(process);
    return process;
  }

  /** Polls the child's output for Spring Boot's "Tomcat started on port 43105"; fails with the output if it dies. */
  private static Api awaitStarted(Process process, Path output) throws Exception {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (true) {
      Matcher started = TOMCAT_STARTED.matcher(Files.readString(output, UTF_8));
      if (started.find()) {
        return new Api(process, URI.create("http://127.0.0.1:" + started.group(1)), output);
      }
      if (!process.isAlive() || Instant.now().isAfter(deadline)) {
        throw new AssertionError("the API did not start; its output:\n" + Files.readString(output, UTF_8));
      }
      process.waitFor(50, TimeUnit.MILLISECONDS);
    }
  }

  /** The module's main classes and dependencies, without the test classes (Surefire hides them in a jar). */
  private static String applicationClassPath() {
    String classPath = Optional.ofNullable(System.getProperty("surefire.test.class.path"))
        .orElse(System.getProperty("java.class.path"));
    return Arrays.stream(classPath.split(File.pathSeparator))
        .filter(entry -> !entry.endsWith("test-classes"))
        .collect(Collectors.joining(File.pathSeparator));
  }
}
