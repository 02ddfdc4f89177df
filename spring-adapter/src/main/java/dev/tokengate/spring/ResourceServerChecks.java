package dev.tokengate.spring;

import dev.tokengate.DpopMode;
import dev.tokengate.TokenValidator;
import dev.tokengate.TrustedIssuer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Once every Spring Security filter chain is built, and before the web server opens its port: fails start-up when
 * tokengate's filter and Spring Security's {@link BearerTokenAuthenticationFilter} would both validate tokens (twice,
 * with answers that differ), or when {@code tokengate.filter.enabled} is false and no chain validates bearer tokens
 * (no request would have its token checked).
 */
public final class ResourceServerChecks implements SmartInitializingSingleton {
  private final ListableBeanFactory beanFactory;
  private final boolean filterEnabled;

  public ResourceServerChecks(ListableBeanFactory beanFactory, boolean filterEnabled) {
    this.beanFactory = beanFactory;
    this.filterEnabled = filterEnabled;
  }

  @Override
  public void afterSingletonsInstantiated() {
    List<String> resourceServerChains = new ArrayList<>();
    for (Map.Entry<String, SecurityFilterChain> chain : beanFactory.getBeansOfType(SecurityFilterChain.class)
        .entrySet()) {
      if (chain.getValue().getFilters().stream().anyMatch(BearerTokenAuthenticationFilter.class::isInstance)) {
        resourceServerChains.add(chain.getKey());
      }
    }
    if (filterEnabled && !resourceServerChains.isEmpty()) {
      throw new InvalidTokenGatePropertyException("tokengate.filter.enabled", "Spring Security filter chains "
          + resourceServerChains + " validate bearer tokens (oauth2ResourceServer()), and so does tokengate's filter"
          + " in front of them: every token would be validated twice, and a refusal answered by whichever comes first",
          "Pick one: set 'tokengate.filter.enabled' to false to keep oauth2ResourceServer(o -> o.jwt(...)) with"
              + " tokengate's JwtDecoder bean, or remove oauth2ResourceServer() from " + resourceServerChains
              + " and let tokengate's filter publish the caller to Spring Security.", null);
    }
    if (!filterEnabled) {
      refuseDpop(beanFactory, "'tokengate.filter.enabled' is false, so Spring Security's oauth2ResourceServer()"
          + " validates tokens with tokengate's JwtDecoder",
          "Remove 'tokengate.filter.enabled' (and oauth2ResourceServer() from your chains) to let tokengate's filter"
              + " check DPoP proofs, or set the issuer's dpop-mode to off.");
      refuseMtls(beanFactory, "'tokengate.filter.enabled' is false, so Spring Security's oauth2ResourceServer()"
          + " validates tokens with tokengate's JwtDecoder",
          "Remove 'tokengate.filter.enabled' (and oauth2ResourceServer() from your chains) to let tokengate's filter"
              + " check client certificates and serve protected-resource metadata, or remove the setting.");
    }
    if (!filterEnabled && resourceServerChains.isEmpty()) {
      throw new InvalidTokenGatePropertyException("tokengate.filter.enabled", "Property 'tokengate.filter.enabled'"
          + " is false, but no Spring Security filter chain validates bearer tokens, so no request would have its"
          + " token checked",
          "Configure oauth2ResourceServer(o -> o.jwt(Customizer.withDefaults())) in your SecurityFilterChain (it"
              + " picks up tokengate's JwtDecoder bean), or remove 'tokengate.filter.enabled' to let tokengate's"
              + " filter check every request.", null);
    }
  }

  /**
   * Fails start-up when an mTLS setting is set while tokengate's {@code JwtDecoder} or {@code ReactiveJwtDecoder}
   * validates the tokens: a decoder is handed the token alone, never the request's client certificate. (The decoders
   * refuse certificate-bound tokens whatever the settings; these settings could only mislead there.)
   */
  static void refuseMtls(ListableBeanFactory beanFactory, String why, String action) {
    TokenValidator validator = beanFactory.getBeanProvider(TokenValidator.class).getIfAvailable();
    if (validator == null) {
      return;
    }
    List<TrustedIssuer> issuers = validator.config().trustedIssuers();
    for (int i = 0; i < issuers.size(); i++) {
      if (issuers.get(i).mtlsRequired()) {
        String property = "tokengate.mtls-required";
        throw new InvalidTokenGatePropertyException(property, "Certificate-bound tokens are required for issuer "
            + issuers.get(i).issuer() + " (tokengate.mtls-required or tokengate.issuers[N].mtls-required), but " + why + ", which is handed the token alone and"
            + " cannot see the client certificate", action, null);
      }
    }
    if (validator.config().resourceIdentifier().isPresent()) {
      throw new InvalidTokenGatePropertyException("tokengate.resource-identifier", "Property"
          + " 'tokengate.resource-identifier' is set, but " + why + ": tokengate serves protected-resource metadata"
          + " (RFC 9728) and names it in its challenges in its servlet filter only", action, null);
    }
    if (!validator.config().introspectJwts()) {
      for (TrustedIssuer trusted : issuers) {
        if (validator.config().introspection().containsKey(trusted.issuer())) {
          // The decoders hand Spring Security a Jwt, which needs a JWS header: an opaque token never passes there,
          // so introspection without introspect-jwts would only cost each opaque token a call to the endpoint.
          throw new InvalidTokenGatePropertyException("tokengate.introspection-client-id", "Token introspection is"
              + " set for issuer " + trusted.issuer() + " (tokengate.introspection-client-id or"
              + " tokengate.issuers[N].introspection-client-id), but " + why + ", which hands Spring Security a Jwt:"
              + " opaque tokens cannot pass there; tokengate introspects them in its servlet filter only",
              action + " To have JWTs confirmed by introspection here instead, set 'tokengate.introspect-jwts' to"
                  + " true.", null);
        }
      }
    }
    if (validator.config().mtlsClientCertificateHeader().isPresent()) {
      throw new InvalidTokenGatePropertyException("tokengate.mtls-client-certificate-header", "Property"
          + " 'tokengate.mtls-client-certificate-header' is set, but " + why + ", which is handed the token alone and"
          + " cannot see the client certificate", action, null);
    }
  }

  /**
   * Fails start-up when an issuer's DPoP mode is not {@code off} while tokengate's {@code JwtDecoder} (Spring MVC with
   * {@code tokengate.filter.enabled=false}) or {@code ReactiveJwtDecoder} (WebFlux) validates the tokens: a decoder
   * is handed the token alone, never the request's scheme or its {@code DPoP} proof, so a DPoP-bound token sent as
   * Bearer, or any Bearer token under {@code required}, would pass. Only tokengate's servlet filter checks DPoP.
   */
  static void refuseDpop(ListableBeanFactory beanFactory, String why, String action) {
    TokenValidator validator = beanFactory.getBeanProvider(TokenValidator.class).getIfAvailable();
    if (validator == null) {
      return;
    }
    for (TrustedIssuer trusted : validator.config().trustedIssuers()) {
      if (trusted.dpopMode() != DpopMode.OFF) {
        throw new InvalidTokenGatePropertyException("tokengate.dpop-mode", "DPoP mode '"
            + trusted.dpopMode().name().toLowerCase(Locale.ROOT) + "' is set for issuer " + trusted.issuer() + ", but "
            + why + ", which is handed the token alone and cannot check a DPoP proof: bound tokens sent as Bearer"
            + " would pass", action, null);
      }
    }
  }
}
