/**
 * tokengate: a Jakarta Servlet filter that validates OAuth 2.0 client-credentials JWT access tokens.
 *
 * <p>{@code dev.tokengate} is the API a user imports, {@code dev.tokengate.spi} its extension points. The
 * {@code internal} packages are not exported, so a user's module cannot compile against them. The Spring Boot starter
 * uses public API only: {@link dev.tokengate.BearerResponses} for tokengate's RFC 6750 answers, {@link
 * dev.tokengate.ScopeRequirement} for what a {@code @RequiredScope} demands and {@link
 * dev.tokengate.RequestFirewallFilter#refusal} for its WebFlux request firewall.
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

  // DPoP replay stores chosen by the setting dpop-replay-store, e.g. tokengate-redis's.
  uses dev.tokengate.spi.DpopReplayStoreProvider;
}
