package dev.tokengate.spring;

import dev.tokengate.BearerError;
import dev.tokengate.BearerResponses;
import dev.tokengate.TokenRejectedException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authorization.AuthorityAuthorizationDecision;
import org.springframework.security.authorization.AuthorizationDeniedException;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.authorization.ReactiveAuthorizationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.server.resource.authentication.AbstractOAuth2TokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.web.access.server.BearerTokenServerAccessDeniedHandler;
import org.springframework.security.oauth2.server.resource.web.server.BearerTokenServerAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.WebFilterExchange;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.security.web.server.authentication.ServerAuthenticationEntryPointFailureHandler;
import org.springframework.security.web.server.authentication.ServerAuthenticationFailureHandler;
import org.springframework.security.web.server.authorization.AuthorizationWebFilter;
import org.springframework.security.web.server.authorization.ExceptionTranslationWebFilter;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.security.web.server.authorization.ServerWebExchangeDelegatingServerAccessDeniedHandler;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import reactor.core.publisher.Mono;

/**
 * Mode 3's refusals in tokengate's RFC 6750 form, as tokengate's filter and mode 1 answer them: a token the decoder
 * refused is 401 with {@code WWW-Authenticate: Bearer realm="…", error="invalid_token", error_description="…"} and
 * tokengate's JSON body (with the error code Spring Security's converter gives a malformed header); Spring Security's
 * authorization refusing a bearer caller is 403 {@code insufficient_scope}, naming in {@code scope="…"} the scopes
 * behind the {@code SCOPE_} authorities an authority check wanted ({@code hasAuthority}, {@code hasAnyAuthority}),
 * left out where they are not known ({@code @PreAuthorize} expressions, a role).
 *
 * <p>Spring Security offers no hook for a chain's resource-server answers short of configuring {@code
 * oauth2ResourceServer()} itself, which would switch it on in chains that do not use it; so once each {@link
 * SecurityWebFilterChain} bean is built, its bearer {@link AuthenticationWebFilter}'s failure handler and its {@link
 * ExceptionTranslationWebFilter}'s access-denied handler are replaced, only while they are still Spring's defaults
 * for bearer tokens, and its {@link AuthorizationWebFilter}'s refusals keep the decision that names the authorities. An application's own ({@code oauth2ResourceServer(r -> r.authenticationEntryPoint(…))}, {@code
 * exceptionHandling(e -> e.accessDeniedHandler(…))}) is kept. Where Spring's internals cannot be read, Spring's
 * answers (also 401 and 403) stay, logged at debug: the format is at stake there, never the decision.
 */
final class ReactiveBearerAnswers implements BeanPostProcessor {
  private static final Logger log = LoggerFactory.getLogger(ReactiveBearerAnswers.class);
  private static final String AUTHORITY_PREFIX = "SCOPE_";

  // A post-processor is made before other beans: the realm is asked of the validator only when a chain is built.
  private final java.util.function.Supplier<String> realm;
  private volatile BearerResponses responses;

  ReactiveBearerAnswers(java.util.function.Supplier<String> realm) {
    this.realm = realm;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (bean instanceof SecurityWebFilterChain chain) {
      if (responses == null) {
        responses = BearerResponses.forRealm(realm.get());
      }
      List<WebFilter> filters = chain.getWebFilters().collectList().block();
      if (filters != null && filters.stream().anyMatch(ReactiveBearerAnswers::validatesBearerTokens)) {
        for (WebFilter filter : filters) {
          adapt(filter, beanName);
        }
      }
    }
    return bean;
  }

  private void adapt(WebFilter filter, String chainName) {
    try {
      if (filter instanceof AuthenticationWebFilter authentication && validatesBearerTokens(filter)
          && read(AuthenticationWebFilter.class, ServerAuthenticationFailureHandler.class, authentication)
              instanceof ServerAuthenticationEntryPointFailureHandler failureHandler
          && read(ServerAuthenticationEntryPointFailureHandler.class,
              org.springframework.security.web.server.ServerAuthenticationEntryPoint.class, failureHandler)
              instanceof BearerTokenServerAuthenticationEntryPoint) {
        authentication.setAuthenticationFailureHandler(this::authenticationFailed);
      } else if (filter instanceof AuthorizationWebFilter authorization) {
        namingWhatWasWanted(authorization);
      } else if (filter instanceof ExceptionTranslationWebFilter translation
          && read(ExceptionTranslationWebFilter.class, ServerAccessDeniedHandler.class, translation)
              instanceof ServerAccessDeniedHandler springs
          && springsBearerDefault(springs)) {
        translation.setAccessDeniedHandler((exchange, denied) -> exchange.getPrincipal()
            .filter(AbstractOAuth2TokenAuthenticationToken.class::isInstance)
            .flatMap(bearer -> insufficientScope(exchange, denied))
            .switchIfEmpty(Mono.defer(() -> springs.handle(exchange, denied))));
      }
    } catch (RuntimeException e) {
      log.debug("Spring Security's answers of chain {} kept: its internals could not be read", chainName, e);
    }
  }

  /**
   * Spring Security's {@code AuthorizationWebFilter} refuses with a bare {@code AccessDeniedException}, dropping the
   * decision that says which authorities a URL rule wanted; refused here with an {@link AuthorizationDeniedException}
   * that carries it, so that the 403 can name the scope. Same decisions, same refusals otherwise.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void namingWhatWasWanted(AuthorizationWebFilter filter) {
    Field field = ReflectionUtils.findField(AuthorizationWebFilter.class, "authorizationManager");
    if (field == null || java.lang.reflect.Modifier.isFinal(field.getModifiers())) {
      return;
    }
    ReflectionUtils.makeAccessible(field);
    ReactiveAuthorizationManager springs = (ReactiveAuthorizationManager) ReflectionUtils.getField(field, filter);
    if (springs == null || springs instanceof DecisionKeepingManager) {
      return;
    }
    ReflectionUtils.setField(field, filter, new DecisionKeepingManager(springs));
  }

  /** Decides as Spring's manager does; a refusal keeps the decision. */
  private record DecisionKeepingManager(ReactiveAuthorizationManager<ServerWebExchange> springs)
      implements ReactiveAuthorizationManager<ServerWebExchange> {
    @Override
    public Mono<AuthorizationResult> authorize(Mono<Authentication> authentication, ServerWebExchange exchange) {
      return springs.authorize(authentication, exchange);
    }

    @Override
    public Mono<Void> verify(Mono<Authentication> authentication, ServerWebExchange exchange) {
      return springs.authorize(authentication, exchange)
          .switchIfEmpty(Mono.error(() -> new AccessDeniedException("Access Denied")))
          .flatMap(result -> result.isGranted()
              ? Mono.<Void>empty()
              : Mono.error(new AuthorizationDeniedException("Access Denied", result)));
    }
  }

  /**
   * Whether the handler is Spring's {@link BearerTokenServerAccessDeniedHandler} (a chain with one default), or
   * Spring's delegating default holding it; not one the application set.
   */
  private static boolean springsBearerDefault(ServerAccessDeniedHandler handler) {
    if (handler instanceof BearerTokenServerAccessDeniedHandler) {
      return true;
    }
    if (!(handler instanceof ServerWebExchangeDelegatingServerAccessDeniedHandler delegating)) {
      return false;
    }
    Field field = ReflectionUtils.findField(ServerWebExchangeDelegatingServerAccessDeniedHandler.class, "handlers");
    if (field == null) {
      return false;
    }
    ReflectionUtils.makeAccessible(field);
    return ReflectionUtils.getField(field, delegating) instanceof List<?> entries
        && entries.stream().anyMatch(entry -> entry instanceof ServerWebExchangeDelegatingServerAccessDeniedHandler
            .DelegateEntry delegate && delegate.getAccessDeniedHandler() instanceof BearerTokenServerAccessDeniedHandler);
  }

  static boolean validatesBearerTokens(WebFilter filter) {
    return filter instanceof AuthenticationWebFilter authentication
        && read(AuthenticationWebFilter.class, ServerAuthenticationConverter.class, authentication)
            instanceof ServerBearerTokenAuthenticationConverter;
  }

  private static Object read(Class<?> owner, Class<?> fieldType, Object target) {
    Field field = ReflectionUtils.findField(owner, null, fieldType);
    if (field == null) {
      return null;
    }
    ReflectionUtils.makeAccessible(field);
    return ReflectionUtils.getField(field, target);
  }

  private Mono<Void> authenticationFailed(WebFilterExchange exchange, AuthenticationException failure) {
    if (failure instanceof AuthenticationServiceException) {
      // Not the client's fault (tokengate's keys unavailable among them): answered further out, 503 or Spring's 500.
      return Mono.error(failure);
    }
    BearerError error = BearerError.INVALID_TOKEN;
    String description = "The access token is invalid";
    if (failure instanceof OAuth2AuthenticationException oauth) {
      OAuth2Error oauthError = oauth.getError();
      if ("invalid_request".equals(oauthError.getErrorCode())) {
        error = BearerError.INVALID_REQUEST;
      }
      if (oauthError.getDescription() != null && !oauthError.getDescription().isBlank()) {
        description = oauthError.getDescription();
      }
    }
    return write(exchange.getExchange(), error, description, Set.of());
  }

  private Mono<Void> insufficientScope(ServerWebExchange exchange, AccessDeniedException denied) {
    return write(exchange, BearerError.INSUFFICIENT_SCOPE, "The access token lacks a scope this request requires",
        requiredScopes(denied));
  }

  private Mono<Void> write(ServerWebExchange exchange, BearerError error, String description, Set<String> scopes) {
    ServerHttpResponse response = exchange.getResponse();
    if (response.isCommitted()) {
      return Mono.empty();
    }
    TokenRejectedException rejection = new TokenRejectedException(error, description, scopes);
    String challenge = responses.challengeHeader(rejection);
    response.setStatusCode(HttpStatus.valueOf(error.httpStatus()));
    response.getHeaders().set("WWW-Authenticate", challenge);
    response.getHeaders().set("Cache-Control", "no-store");
    response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
    byte[] body = BearerResponses.body(error, description).getBytes(StandardCharsets.UTF_8);
    response.getHeaders().setContentLength(body.length);
    return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
  }

  /** The scopes behind the {@code SCOPE_} authorities an authority check wanted; empty when that is not known. */
  static Set<String> requiredScopes(AccessDeniedException denied) {
    Set<String> scopes = new TreeSet<>();
    if (denied instanceof AuthorizationDeniedException authorization
        && authorization.getAuthorizationResult() instanceof AuthorityAuthorizationDecision decision) {
      for (GrantedAuthority authority : decision.getAuthorities()) {
        String name = authority.getAuthority();
        if (name == null || !name.startsWith(AUTHORITY_PREFIX) || name.length() == AUTHORITY_PREFIX.length()) {
          return Set.of();
        }
        scopes.add(name.substring(AUTHORITY_PREFIX.length()));
      }
    }
    return scopes;
  }
}
