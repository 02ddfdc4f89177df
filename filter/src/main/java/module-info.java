/**
 * tokengate: a Jakarta Servlet filter that validates OAuth 2.0 client-credentials JWT access tokens.
 *
 * <p>{@code dev.tokengate} is the API a user imports, {@code dev.tokengate.spi} its extension points. The
 * {@code internal} packages are not exported, so a user's module cannot compile against them; two are exported to
 * the Spring Boot starter alone, which renders the same RFC 6750 answers and scope checks as the filter.
 */
module dev.tokengate {
  requires transitive jakarta.servlet;
  requires com.nimbusds.jose.jwt;
  requires com.github.benmanes.caffeine;
  requires org.slf4j;
  requires java.logging;
  requires java.net.http;

  exports dev.tokengate;
  exports dev.tokengate.spi;
  exports dev.tokengate.internal.http to dev.tokengate.spring;
  exports dev.tokengate.internal.scope to dev.tokengate.spring;
}
