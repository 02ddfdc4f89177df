package dev.tokengate.spring.dpop;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * DPoP through the starter's filter on embedded Tomcat (Spring Boot's default), requests sent raw so that the URI
 * reaches Tomcat exactly as written. Tomcat strips {@code ;params} and decodes {@code %2e} before it computes the
 * servlet path, keeps the raw URI in {@code getRequestURI()}, puts the context path in front, and rewrites scheme,
 * host and port from {@code X-Forwarded-*} only when {@code server.forward-headers-strategy} says so: the proof's
 * {@code htu} must equal what the client called in each case, and every refusal is answered before any handler.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DpopTomcatTest {
  private static final String ALGS = "algs=\"ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512\"";
  private static final List<String> HANDLED = new CopyOnWriteArrayList<>();

  private TestIssuer issuer;
  private ECKey clientKey;
  /** Context path /ctx, forwarded headers read (server.forward-headers-strategy=native). */
  private ConfigurableApplicationContext proxied;
  /** No context path, forwarded headers not read (the default). */
  private ConfigurableApplicationContext direct;

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @Import(Files.class)
  static class App {}

  @RestController
  static class Files {
    @GetMapping("/files/**")
    String file(ClientPrincipal caller, HttpServletRequest request) {
      HANDLED.add(request.getRequestURI());
      return "caller=" + caller.clientId();
    }
  }

  @BeforeAll
  void start() throws JOSEException {
    issuer = TestIssuer.start();
    clientKey = new ECKeyGenerator(Curve.P_256).generate();
    proxied = app("--server.servlet.context-path=/ctx", "--server.forward-headers-strategy=native");
    direct = app();
  }

  @AfterAll
  void stop() {
    proxied.close();
    direct.close();
    issuer.close();
  }

  @BeforeEach
  void clear() {
    HANDLED.clear();
  }

  private ConfigurableApplicationContext app(String... extra) {
    List<String> arguments = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
        "--spring.main.banner-mode=off", "--tokengate.issuer=" + issuer.issuer(), "--tokengate.audiences=api",
        "--tokengate.dpop-mode=allowed"));
    arguments.addAll(List.of(extra));
    return new SpringApplication(App.class).run(arguments.toArray(String[]::new));
  }

  private static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  private String boundToken() throws JOSEException {
    return issuer.token().claim("cnf", Map.of("jkt", clientKey.computeThumbprint("SHA-256").toString())).sign();
  }

  private String proof(String method, String htu, String token) throws Exception {
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .jwtID(UUID.randomUUID().toString())
        .claim("htm", method)
        .claim("htu", htu)
        .issueTime(new Date())
        .claim("ath", Base64URL.encode(MessageDigest.getInstance("SHA-256")
            .digest(token.getBytes(StandardCharsets.US_ASCII))).toString())
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
        .type(new JOSEObjectType("dpop+jwt")).jwk(clientKey.toPublicJWK()).build(), claims);
    jwt.sign(new ECDSASigner(clientKey));
    return jwt.serialize();
  }

  private String local(ConfigurableApplicationContext context, String path) {
    return "http://127.0.0.1:" + port(context) + path;
  }

  /** Status, headers (lower-cased names, every value) and body of a request sent as written. */
  record Response(int status, Map<String, List<String>> headers, String body) {
    List<String> all(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }
  }

  private static Response send(int port, String method, String target, String... headers) {
    StringBuilder request = new StringBuilder().append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1:").append(port).append("\r\nConnection: close\r\n");
    for (int i = 0; i < headers.length; i += 2) {
      request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    request.append("\r\n");
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      int end = all.indexOf("\r\n\r\n");
      String[] lines = all.substring(0, end).split("\r\n");
      Map<String, List<String>> parsed = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        parsed.computeIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
            .add(lines[i].substring(colon + 1).strip());
      }
      return new Response(Integer.parseInt(lines[0].split(" ")[1]), parsed, all.substring(end + 4));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Response dpop(ConfigurableApplicationContext context, String method, String target, String token,
      String proof, String... more) {
    List<String> headers = new ArrayList<>(List.of("Authorization", "DPoP " + token, "DPoP", proof));
    headers.addAll(List.of(more));
    return send(port(context), method, target, headers.toArray(String[]::new));
  }

  private static void assertProofRefused(Response response, String description) {
    assertThat(response.status()).as(response.body()).isEqualTo(401);
    assertThat(response.all("WWW-Authenticate")).containsExactly("DPoP realm=\"api\", error=\"invalid_dpop_proof\","
        + " error_description=\"" + description + "\", " + ALGS);
    assertThat(response.body()).contains("\"error\":\"invalid_dpop_proof\"");
    assertThat(HANDLED).as("no handler ran").isEmpty();
  }

  @Test
  void boundToken_withAProofForTheContextPathUri_reachesTheHandler() throws Exception {
    String token = boundToken();
    Response response = dpop(proxied, "GET", "/ctx/files/a", token, proof("GET", local(proxied, "/ctx/files/a"), token));
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(HANDLED).containsExactly("/ctx/files/a");
  }

  @Test
  void proofWithoutTheContextPath_isRefused() throws Exception {
    String token = boundToken();
    assertProofRefused(dpop(proxied, "GET", "/ctx/files/a", token, proof("GET", local(proxied, "/files/a"), token)),
        "The DPoP proof's htu does not match the request URI");
  }

  @Test
  void replayedProof_isRefused() throws Exception {
    String token = boundToken();
    String proof = proof("GET", local(direct, "/files/a"), token);
    assertThat(dpop(direct, "GET", "/files/a", token, proof).status()).isEqualTo(200);
    HANDLED.clear();
    assertProofRefused(dpop(direct, "GET", "/files/a", token, proof), "The DPoP proof was used before");
  }

  @Test
  void proofForAnotherMethod_isRefused() throws Exception {
    String token = boundToken();
    assertProofRefused(dpop(direct, "GET", "/files/a", token, proof("POST", local(direct, "/files/a"), token)),
        "The DPoP proof's htm does not match the request method");
  }

  @Test
  void proofForAnotherUri_isRefused() throws Exception {
    String token = boundToken();
    assertProofRefused(dpop(direct, "GET", "/files/a", token, proof("GET", local(direct, "/files/b"), token)),
        "The DPoP proof's htu does not match the request URI");
  }

  @Test
  void boundToken_asBearer_isRefusedWithBothChallenges() throws Exception {
    Response response = send(port(direct), "GET", "/files/a", "Authorization", "Bearer " + boundToken());
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.all("WWW-Authenticate")).containsExactly(
        "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The access token is DPoP-bound: send it"
            + " with the DPoP scheme and a DPoP proof\"",
        "DPoP realm=\"api\", " + ALGS);
    assertThat(HANDLED).isEmpty();
  }

  // Tomcat would strip ;params and decode %2e before computing the servlet path; the request firewall refuses such a
  // URI with 400 before the proof is even looked at, whatever the proof names (the raw URI or Tomcat's reading).
  @ParameterizedTest
  @ValueSource(strings = {"/files/a;jsessionid=x", "/files/x/..;/a", "/files/%2e%2e/files/a", "/files/%2E/a",
      "/files/x/../a", "/files//a"})
  void uriTomcatWouldRewrite_isRefusedBeforeTheProof_andNoHandlerRuns(String target) throws Exception {
    String token = boundToken();
    for (String htu : List.of(local(direct, target), local(direct, "/files/a"))) {
      Response response = dpop(direct, "GET", target, token, proof("GET", htu, token));
      assertThat(response.status()).as("%s with htu %s: %s", target, htu, response.body()).isEqualTo(400);
      assertThat(response.all("WWW-Authenticate")).as("a firewall refusal is no challenge").isEmpty();
      assertThat(HANDLED).as("no handler ran for %s", target).isEmpty();
    }
  }

  @Test
  void encodedCharacters_compareAsRfc3986Normalizes() throws Exception {
    String token = boundToken();
    // The raw request URI keeps its encoding; a proof with lower-case hex names the same URI (RFC 3986 §6.2.2.1).
    Response lower = dpop(direct, "GET", "/files/caf%C3%A9", token,
        proof("GET", local(direct, "/files/caf%c3%a9"), token));
    assertThat(lower.status()).as(lower.body()).isEqualTo(200);
    assertThat(HANDLED).containsExactly("/files/caf%C3%A9");
    HANDLED.clear();
    // The decoded form, or another encoding, is another URI.
    assertProofRefused(dpop(direct, "GET", "/files/caf%C3%A9", token,
        proof("GET", local(direct, "/files/café"), token)), "The DPoP proof's htu does not match the request URI");
    assertProofRefused(dpop(direct, "GET", "/files/caf%C3%A9", token,
        proof("GET", local(direct, "/files/caf%C3%A8"), token)), "The DPoP proof's htu does not match the request URI");
  }

  @Test
  void hostAndSchemeCase_andTheDefaultPort_areNormalized() throws Exception {
    String token = boundToken();
    Response response = dpop(direct, "GET", "/files/a", token,
        proof("GET", "HTTP://127.0.0.1:" + port(direct) + "/files/a?ignored=query#and-fragment", token));
    assertThat(response.status()).as(response.body()).isEqualTo(200);
  }

  @Test
  void forwardedHeaders_whenTheContainerReadsThem_nameTheExternalUri() throws Exception {
    String token = boundToken();
    String[] forwarded = {"X-Forwarded-Proto", "https", "X-Forwarded-Host", "api.example.com"};
    Response external = dpop(proxied, "GET", "/ctx/files/a", token,
        proof("GET", "https://api.example.com/ctx/files/a", token), forwarded);
    assertThat(external.status()).as(external.body()).isEqualTo(200);
    HANDLED.clear();
    assertProofRefused(dpop(proxied, "GET", "/ctx/files/a", token,
        proof("GET", local(proxied, "/ctx/files/a"), token), forwarded),
        "The DPoP proof's htu does not match the request URI");
  }

  @Test
  void forwardedHeaders_whenTheContainerDoesNotReadThem_areIgnored() throws Exception {
    String token = boundToken();
    // A client cannot make a proof for another host count here by sending the headers itself.
    assertProofRefused(dpop(direct, "GET", "/files/a", token, proof("GET", "https://api.example.com/files/a", token),
        "X-Forwarded-Proto", "https", "X-Forwarded-Host", "api.example.com"),
        "The DPoP proof's htu does not match the request URI");
    assertThat(dpop(direct, "GET", "/files/a", token, proof("GET", local(direct, "/files/a"), token),
        "X-Forwarded-Proto", "https", "X-Forwarded-Host", "api.example.com").status()).isEqualTo(200);
  }
}
