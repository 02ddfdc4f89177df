/**
 * tokengate: a Jakarta Servlet filter that validates OAuth 2.0 client-credentials JWT access tokens.
 *
 * <p>{@code dev.tokengate} is the API a user imports, {@code dev.tokengate.spi} its extension points. The
 * {@code internal} packages are not exported, so a user's module cannot compile against them. The Spring Boot starter
 * uses public API too: {@link dev.tokengate.BearerResponses} for tokengate's RFC 6750 answers and {@link
 * dev.tokengate.ScopeRequirement} for what a {@code @RequiredScope} demands.
 */
// "module": javac warns that dev.tokengate.spring, the target of the qualified export, is not on its module path;
// the starter is built after this module, so it never is.
@SuppressWarnings("module")
module dev.tokengate {
  requires transitive jakarta.servlet;
  requires com.nimbusds.jose.jwt;
  requires com.github.benmanes.caffeine;
  requires org.slf4j;
  requires java.logging;
  requires java.net.http;

  exports dev.tokengate;
  exports dev.tokengate.spi;
  // Kept for the starter's WebFlux request firewall (issue 13, in progress on another branch), which needs the
  // filter's RequestFirewall on a path without a servlet request. Nothing in the starter uses it yet; once the
  // firewall check has a public entry point, this line goes too (StarterUsesPublicApiTest lists what it may use).
  exports dev.tokengate.internal.http to dev.tokengate.spring;
}
