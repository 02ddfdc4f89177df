package dev.tokengate.spring;

import dev.tokengate.BearerResponses;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.RequiredScope;
import dev.tokengate.ScopeRequirement;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.spi.ValidationListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Enforces {@link RequiredScope} on controller classes and handler methods, directly or as a meta-annotation (a
 * user's {@code @CanReadCountries}); the method's wins over the class's. A caller lacking the scopes gets the same 403
 * {@code insufficient_scope} answer as from the filter's path rules. A handler requiring scopes that is reached
 * without a validated token (a public path, a path outside the filter's url-patterns) gets a 401 challenge: it fails
 * closed.
 */
public final class RequiredScopeInterceptor implements HandlerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(RequiredScopeInterceptor.class);

  private final BearerResponses responses;
  private final ValidationListener listener;
  private final Map<HandlerKey, Optional<ScopeRequirement>> requirements = new ConcurrentHashMap<>();

  /**
   * Creates the interceptor; the auto-configuration does, with the configured realm and every {@link
   * ValidationListener} bean.
   *
   * @param realm the realm in {@code WWW-Authenticate}, as {@code tokengate.realm}
   * @param listener told of each refusal, e.g. to count it; if it throws, the refusal stands (logged as a warning)
   */
  public RequiredScopeInterceptor(String realm, ValidationListener listener) {
    this(BearerResponses.forRealm(realm), listener);
  }

  /**
   * Creates the interceptor answering with {@code responses}, e.g. {@link BearerResponses#forConfig} so that its
   * challenges carry what the filter's do ({@code resource_metadata}).
   *
   * @param responses writes the 403 answers
   * @param listener told of each refusal, e.g. to count it; if it throws, the refusal stands (logged as a warning)
   * @since 0.1.0
   */
  public RequiredScopeInterceptor(BearerResponses responses, ValidationListener listener) {
    this.responses = java.util.Objects.requireNonNull(responses, "responses");
    this.listener = listener;
  }

  @Override
  public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
      throws Exception {
    if (!(handler instanceof HandlerMethod method)) {
      return true;
    }
    Optional<ScopeRequirement> requirement =
        requirements.computeIfAbsent(new HandlerKey(method.getBeanType(), method.getMethod()), HandlerKey::find);
    if (requirement.isEmpty()) {
      return true;
    }
    Optional<ClientPrincipal> principal = TokenGateFilter.principal(request);
    if (principal.isEmpty()) {
      notify(listener::onTokenMissing);
      responses.challenge(response);
      return false;
    }
    try {
      requirement.get().check(principal.get());
      return true;
    } catch (TokenRejectedException e) {
      notify(() -> listener.onRejected(e.error(), e.description()));
      responses.reject(response, e);
      return false;
    }
  }

  // A listener is an observer: its failure must never turn the 401 or 403 into a 500.
  private static void notify(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException | LinkageError e) {
      log.warn("ValidationListener failed; the request's outcome is unchanged", e);
    }
  }

  // The bean type is part of the key: one inherited method can sit in controllers with different class annotations.
  private record HandlerKey(Class<?> beanType, Method method) {
    Optional<ScopeRequirement> find() {
      RequiredScope onMethod = AnnotatedElementUtils.findMergedAnnotation(method, RequiredScope.class);
      if (onMethod != null) {
        return Optional.of(ScopeRequirement.of(onMethod));
      }
      RequiredScope onClass = AnnotatedElementUtils.findMergedAnnotation(beanType, RequiredScope.class);
      return Optional.ofNullable(onClass).map(ScopeRequirement::of);
    }
  }
}
