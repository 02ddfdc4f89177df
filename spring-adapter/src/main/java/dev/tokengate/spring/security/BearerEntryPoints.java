package dev.tokengate.spring.security;

import dev.tokengate.BearerError;
import dev.tokengate.BearerResponses;
import dev.tokengate.TokenRejectedException;
import java.lang.reflect.Field;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.util.ReflectionUtils;

/**
 * Mode 2's refused tokens in tokengate's RFC 6750 form, as tokengate's filter answers them: once each {@link
 * SecurityFilterChain} bean is built, a {@link BearerTokenAuthenticationFilter} still holding Spring Security's
 * default {@link BearerTokenAuthenticationEntryPoint} gets one that answers 401 {@code Bearer realm="…",
 * error="invalid_token", error_description="…"} with tokengate's JSON body (Spring's error code kept, so a request
 * Spring calls {@code invalid_request} is 400). An entry point the application set ({@code oauth2ResourceServer(r ->
 * r.authenticationEntryPoint(…))}) is kept; where Spring's internals cannot be read, Spring's answer (also a 401)
 * stays. Keys that cannot be had never get here: Spring rethrows them, and {@link KeysUnavailableAnswerFilter}
 * answers 503.
 */
final class BearerEntryPoints implements BeanPostProcessor {
  private static final Logger log = LoggerFactory.getLogger(BearerEntryPoints.class);

  // A post-processor is made before other beans: the realm is asked of the validator only when a chain is built.
  private final Supplier<String> realm;

  BearerEntryPoints(Supplier<String> realm) {
    this.realm = realm;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (bean instanceof SecurityFilterChain chain) {
      for (jakarta.servlet.Filter filter : chain.getFilters()) {
        if (filter instanceof BearerTokenAuthenticationFilter bearer) {
          adapt(bearer, beanName);
        }
      }
    }
    return bean;
  }

  private void adapt(BearerTokenAuthenticationFilter filter, String chainName) {
    try {
      Field field = ReflectionUtils.findField(BearerTokenAuthenticationFilter.class, "authenticationEntryPoint");
      if (field == null) {
        log.debug("Spring Security's answers of chain {} kept: its entry point could not be read", chainName);
        return;
      }
      ReflectionUtils.makeAccessible(field);
      if (ReflectionUtils.getField(field, filter) instanceof BearerTokenAuthenticationEntryPoint) {
        filter.setAuthenticationEntryPoint(tokengates(BearerResponses.forRealm(realm.get())));
      }
    } catch (RuntimeException e) {
      log.debug("Spring Security's answers of chain {} kept: its internals could not be read", chainName, e);
    }
  }

  private static AuthenticationEntryPoint tokengates(BearerResponses responses) {
    return (request, response, failure) -> {
      if (response.isCommitted()) {
        return;
      }
      BearerError error = BearerError.INVALID_TOKEN;
      String description = "The access token is invalid";
      if (failure instanceof OAuth2AuthenticationException oauth) {
        if ("invalid_request".equals(oauth.getError().getErrorCode())) {
          error = BearerError.INVALID_REQUEST;
        }
        String given = oauth.getError().getDescription();
        if (given != null && !given.isBlank()) {
          description = given;
        }
      }
      responses.reject(response, new TokenRejectedException(error, description, Set.of()));
    };
  }
}
