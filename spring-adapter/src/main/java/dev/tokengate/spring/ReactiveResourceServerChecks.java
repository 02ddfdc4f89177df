package dev.tokengate.spring;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.server.WebFilter;

/**
 * Once every WebFlux {@link SecurityWebFilterChain} is built, and before the server opens its port: fails start-up
 * when none of them validates bearer tokens ({@code oauth2ResourceServer()}), since tokengate's decoder would then
 * check no request. Spring Security offers no public way to ask a chain what it authenticates with, so this reads the
 * converter of each {@link AuthenticationWebFilter}; when it cannot be read, start-up fails rather than guess.
 */
final class ReactiveResourceServerChecks implements SmartInitializingSingleton {
  private final ListableBeanFactory beanFactory;

  ReactiveResourceServerChecks(ListableBeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  @Override
  public void afterSingletonsInstantiated() {
    ResourceServerChecks.refuseDpop(beanFactory, "this is a reactive (WebFlux) application, where tokengate"
        + " validates tokens with its ReactiveJwtDecoder",
        "Set the issuer's dpop-mode to off: tokengate checks DPoP proofs in its servlet filter only (Spring MVC).");
    ResourceServerChecks.refuseMtls(beanFactory, "this is a reactive (WebFlux) application, where tokengate"
        + " validates tokens with its ReactiveJwtDecoder",
        "Remove the setting: tokengate checks certificate-bound tokens and serves protected-resource metadata in its"
            + " servlet filter only (Spring MVC).");
    Map<String, SecurityWebFilterChain> chains = beanFactory.getBeansOfType(SecurityWebFilterChain.class);
    List<String> resourceServerChains = new ArrayList<>();
    chains.forEach((name, chain) -> {
      List<WebFilter> filters = chain.getWebFilters().collectList().block();
      if (filters != null && filters.stream().anyMatch(ReactiveResourceServerChecks::validatesBearerTokens)) {
        resourceServerChains.add(name);
      }
    });
    if (resourceServerChains.isEmpty()) {
      throw new InvalidTokenGatePropertyException("tokengate", "tokengate is configured in this reactive (WebFlux)"
          + " application, but none of its Spring Security filter chains " + chains.keySet() + " validates bearer"
          + " tokens, so tokengate's ReactiveJwtDecoder would check no request",
          "Add oauth2ResourceServer(resourceServer -> resourceServer.jwt(Customizer.withDefaults())) to your"
              + " SecurityWebFilterChain (it picks up tokengate's ReactiveJwtDecoder bean), or remove tokengate's"
              + " properties and beans from this application.", null);
    }
  }

  private static boolean validatesBearerTokens(WebFilter filter) {
    if (!(filter instanceof AuthenticationWebFilter authentication)) {
      return false;
    }
    Field field = ReflectionUtils.findField(AuthenticationWebFilter.class, null, ServerAuthenticationConverter.class);
    if (field == null) {
      return false;
    }
    ReflectionUtils.makeAccessible(field);
    return ReflectionUtils.getField(field, authentication) instanceof ServerBearerTokenAuthenticationConverter;
  }
}
