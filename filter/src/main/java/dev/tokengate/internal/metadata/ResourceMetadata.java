package dev.tokengate.internal.metadata;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokengate.DpopMode;
import dev.tokengate.ScopeRule;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TrustedIssuer;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The protected-resource metadata of RFC 9728 for one configuration: its well-known URL (§3.1: {@code
 * /.well-known/oauth-protected-resource} inserted between the identifier's host and its path, a terminating slash
 * removed), the JSON document served there (§2, §3.2), and the {@code resource_metadata} challenge parameter (§5.1).
 *
 * <p>The document is answered only for {@code GET} and {@code HEAD} to exactly that path, compared both as the client
 * sent it (the raw request URI) and as the container resolved it (servlet path plus path info), after the request
 * firewall: no spelling of another path reaches it, and it reaches no handler.
 */
public final class ResourceMetadata {
  public static final String WELL_KNOWN = "/.well-known/oauth-protected-resource";

  private final URI resource;
  private final String url;
  /** The well-known path within the application (the context path removed). */
  private final String path;
  /** The raw request URI that asks for the document: the context path and {@link #path}. */
  private final String requestUri;
  private final Map<String, Object> document;
  private final Set<String> announcedScopes = new TreeSet<>();
  private volatile byte[] json;

  /**
   * @param contextPath the application's context path, {@code ""} at the root
   * @throws IllegalStateException naming the setting, when the well-known URL lies outside the application
   */
  public ResourceMetadata(TokenGateConfig config, String contextPath) {
    this.resource = config.resourceIdentifier().orElseThrow();
    String wellKnownPath = wellKnownPath(resource);
    this.url = urlOf(resource);
    String context = contextPath == null ? "" : contextPath;
    if (!context.isEmpty() && !wellKnownPath.startsWith(context + "/")) {
      throw new IllegalStateException("Setting 'resource-identifier' (" + resource + ") puts the protected-resource"
          + " metadata at " + url + ", whose path " + wellKnownPath + " lies outside this application's context path "
          + context + ", so the filter cannot serve it: deploy the application at the root context, or serve the"
          + " metadata from the application at the root and remove 'resource-identifier' here");
    }
    this.path = wellKnownPath.substring(context.length());
    this.requestUri = wellKnownPath;
    this.document = document(config);
    render();
  }

  /** The path of the resource's metadata (§3.1): the well-known prefix, then its path without a terminating slash. */
  private static String wellKnownPath(URI resource) {
    String resourcePath = resource.getRawPath() == null ? "" : resource.getRawPath();
    while (resourcePath.endsWith("/")) {
      resourcePath = resourcePath.substring(0, resourcePath.length() - 1);
    }
    return WELL_KNOWN + resourcePath;
  }

  /** The URL of the resource's metadata, e.g. {@code https://api.example.com/.well-known/oauth-protected-resource}. */
  public static String urlOf(URI resource) {
    return resource.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + resource.getRawAuthority()
        + wellKnownPath(resource);
  }

  /** The challenge parameter naming the metadata of {@code resource}: {@code resource_metadata="<url>"}. */
  public static String challengeParameterOf(URI resource) {
    return "resource_metadata=\"" + urlOf(resource) + "\"";
  }

  private static Map<String, Object> document(TokenGateConfig config) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("resource", config.resourceIdentifier().orElseThrow().toString());
    List<String> servers = new ArrayList<>();
    for (TrustedIssuer trusted : config.trustedIssuers()) {
      servers.add(trusted.issuer());
    }
    document.put("authorization_servers", servers);
    List<String> methods = new ArrayList<>(List.of("header"));
    if (config.allowFormToken()) {
      methods.add("body");
    }
    if (config.allowQueryToken()) {
      methods.add("query");
    }
    document.put("bearer_methods_supported", methods);
    boolean dpop = config.trustedIssuers().stream().anyMatch(trusted -> trusted.dpopMode() != DpopMode.OFF);
    if (dpop) {
      document.put("dpop_signing_alg_values_supported", List.copyOf(config.dpopAlgorithms()));
    }
    document.put("dpop_bound_access_tokens_required",
        config.trustedIssuers().stream().allMatch(trusted -> trusted.dpopMode() == DpopMode.REQUIRED));
    // Certificate-bound tokens are always checked, but they need the client certificate, which the filter cannot
    // tell it will see: announced when the configuration says so (an issuer requires them, or a proxy forwards it).
    document.put("tls_client_certificate_bound_access_tokens",
        config.trustedIssuers().stream().anyMatch(TrustedIssuer::mtlsRequired)
            || config.mtlsClientCertificateHeader().isPresent());
    return document;
  }

  private synchronized void render() {
    Set<String> scopes = new TreeSet<>(announcedScopes);
    Map<String, Object> current = new LinkedHashMap<>(document);
    current.put("scopes_supported", List.copyOf(scopes));
    json = JSONObjectUtils.toJSONString(current).getBytes(StandardCharsets.UTF_8);
  }

  /** Adds scopes to {@code scopes_supported}: those of the scope rules, of {@code @RequiredScope}, and the like. */
  public synchronized void announce(Collection<String> scopes) {
    announcedScopes.addAll(scopes);
    render();
  }

  /** Adds the scopes of {@code rules} to {@code scopes_supported}. */
  public void announceRules(List<ScopeRule> rules) {
    List<String> scopes = new ArrayList<>();
    rules.forEach(rule -> scopes.addAll(rule.scopes()));
    announce(scopes);
  }

  /** The metadata's URL, e.g. {@code https://api.example.com/.well-known/oauth-protected-resource}. */
  public String url() {
    return url;
  }

  /** The challenge parameter naming the metadata: {@code resource_metadata="<url>"}. */
  public String challengeParameter() {
    return challengeParameterOf(resource);
  }

  /** Whether the request asks for the document: exactly its path, raw and resolved. */
  public boolean serves(HttpServletRequest request, String pathWithinApplication) {
    return path.equals(pathWithinApplication) && requestUri.equals(request.getRequestURI());
  }

  /** Answers a request {@link #serves} said yes to: the document for GET and HEAD, 405 for any other method. */
  public void answer(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String method = request.getMethod();
    response.resetBuffer();
    if (!"GET".equals(method) && !"HEAD".equals(method)) {
      response.setStatus(405);
      response.setHeader("Allow", "GET, HEAD");
      response.setContentLength(0);
      return;
    }
    byte[] body = json;
    response.setStatus(200);
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    response.setHeader("Cache-Control", "max-age=300");
    response.setContentLength(body.length);
    if ("GET".equals(method)) {
      response.getOutputStream().write(body);
    }
  }
}
