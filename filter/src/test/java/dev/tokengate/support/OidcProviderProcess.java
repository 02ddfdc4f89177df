package dev.tokengate.support;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * panva's oidc-provider (a real OpenID Provider, Node.js) started from {@code src/test/node/oidc-provider/server.mjs}
 * as a child process on a free loopback port, with the clients that script registers. Missing Node.js or missing
 * node modules fail the test with the command that installs them: the interop test must never pass by not running.
 */
public final class OidcProviderProcess implements AutoCloseable {
  /** The script's directory, relative to the filter module (Surefire's working directory). */
  public static final Path DIRECTORY = Path.of("src/test/node/oidc-provider");
  /** The API's resource indicator (RFC 8707): the tokens' {@code aud}. */
  public static final String RESOURCE = "https://orders-api.tokengate.test";
  /** The client the API authenticates to the introspection endpoint with; the signed answers' {@code aud}. */
  public static final String API_CLIENT_ID = "orders-api";
  public static final String API_CLIENT_SECRET = "orders-api-secret";
  /** The calling service, which obtains tokens with client_credentials. */
  public static final String CALLER_ID = "orders-service";
  private static final String CALLER_SECRET = "orders-service-secret";
  private static final String INSTALL = "npm ci --prefix filter/src/test/node/oidc-provider (Node.js 20 or later;"
      + " .ci/run does it)";
  private static final Duration START_LIMIT = Duration.ofSeconds(30);

  private final Process process;
  private final String issuer;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private OidcProviderProcess(Process process, String issuer) {
    this.process = process;
    this.issuer = issuer;
  }

  /** Starts the provider; {@code --unsigned} turns its RFC 9701 answers off. */
  public static OidcProviderProcess start(String... flags) {
    requireInstalled();
    List<String> command = new ArrayList<>(List.of("node", "server.mjs", "0"));
    command.addAll(List.of(flags));
    Path log;
    Process process;
    try {
      Files.createDirectories(Path.of("target"));
      log = Files.createTempFile(Path.of("target"), "oidc-provider-", ".log");
      // stdin stays a pipe: the script exits when it closes, so a JVM that dies takes the server with it.
      process = new ProcessBuilder(command).directory(DIRECTORY.toFile())
          .redirectError(log.toFile())
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start oidc-provider with 'node': " + e.getMessage() + ". Install"
          + " Node.js 20 or later, then " + INSTALL, e);
    }
    BufferedReader stdout = process.inputReader(UTF_8);
    CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
      try {
        return stdout.readLine();
      } catch (IOException e) {
        return null;
      }
    });
    String line;
    try {
      line = ready.get(START_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      line = null;
    }
    if (line == null) {
      stop(process);
      throw new IllegalStateException("oidc-provider did not start within " + START_LIMIT + "; its output:\n"
          + read(log));
    }
    try {
      return new OidcProviderProcess(process, JSONObjectUtils.parse(line).get("issuer").toString());
    } catch (ParseException | RuntimeException e) {
      stop(process);
      throw new IllegalStateException("oidc-provider printed '" + line + "' instead of {\"issuer\":...}", e);
    }
  }

  private static void requireInstalled() {
    try {
      Process version = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      if (!version.waitFor(10, TimeUnit.SECONDS) || version.exitValue() != 0) {
        throw new IllegalStateException("'node --version' failed. OidcProviderInteropTest needs Node.js 20 or"
            + " later, then " + INSTALL);
      }
    } catch (IOException e) {
      throw new IllegalStateException("OidcProviderInteropTest needs Node.js 20 or later on the PATH ('node' was"
          + " not found: " + e.getMessage() + "). Install it (Debian: apt-get install nodejs npm), then " + INSTALL,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    Path pinned = DIRECTORY.resolve("package.json");
    Path installed = DIRECTORY.resolve("node_modules/oidc-provider/package.json");
    if (!Files.isRegularFile(installed)) {
      throw new IllegalStateException("oidc-provider is not installed in " + DIRECTORY.toAbsolutePath()
          + ": run " + INSTALL);
    }
    String wanted = version(pinned, "dependencies", "oidc-provider");
    String found = version(installed, null, "version");
    if (!wanted.equals(found)) {
      throw new IllegalStateException("oidc-provider " + found + " is installed in " + DIRECTORY.toAbsolutePath()
          + " but package.json pins " + wanted + ": run " + INSTALL);
    }
  }

  private static String version(Path file, String object, String member) {
    try {
      Map<String, Object> json = JSONObjectUtils.parse(Files.readString(file));
      Object value = object == null ? json.get(member) : JSONObjectUtils.getJSONObject(json, object).get(member);
      return String.valueOf(value);
    } catch (IOException | ParseException | RuntimeException e) {
      throw new IllegalStateException("cannot read " + file + ": " + e.getMessage() + "; run " + INSTALL, e);
    }
  }

  /** The issuer, {@code http://127.0.0.1:<port>}, exactly as in its metadata and answers. */
  public String issuer() {
    return issuer;
  }

  /** An opaque access token for {@link #RESOURCE} with these scopes (space-separated), by client_credentials. */
  public String token(String scope) {
    Map<String, Object> answer = post("/token", CALLER_ID, CALLER_SECRET,
        "grant_type=client_credentials&resource=" + encode(RESOURCE) + "&scope=" + encode(scope));
    if (!"Bearer".equals(answer.get("token_type")) || !(answer.get("access_token") instanceof String token)) {
      throw new IllegalStateException("unexpected token response " + answer);
    }
    return token;
  }

  /** Revokes {@code token} at the revocation endpoint (RFC 7009), as its client. */
  public void revoke(String token) {
    post("/token/revocation", CALLER_ID, CALLER_SECRET, "token=" + encode(token) + "&token_type_hint=access_token");
  }

  private Map<String, Object> post(String path, String clientId, String secret, String form) {
    String credentials = encode(clientId) + ":" + encode(secret);
    HttpRequest request = HttpRequest.newBuilder(URI.create(issuer + path))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(UTF_8)))
        .POST(HttpRequest.BodyPublishers.ofString(form))
        .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(path + " answered " + response.statusCode() + " " + response.body());
      }
      return response.body().isEmpty() ? Map.of() : JSONObjectUtils.parse(response.body());
    } catch (IOException | ParseException e) {
      throw new IllegalStateException(path + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Whether the Node process is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Ends the Node process (and waits for it); its log stays in {@code target/}. */
  @Override
  public void close() {
    stop(process);
  }

  private static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(cannot read " + log + ")";
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, UTF_8);
  }
}
