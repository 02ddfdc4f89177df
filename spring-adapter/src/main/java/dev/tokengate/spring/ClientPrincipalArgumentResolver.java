package dev.tokengate.spring;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.TokenGateFilter;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * Resolves a {@link ClientPrincipal} handler-method parameter to the caller the filter validated; {@code null} on a
 * public path. Reads the request attribute rather than {@code getUserPrincipal()}, so it still works when Spring
 * Security wraps the request with its own principal.
 */
public final class ClientPrincipalArgumentResolver implements HandlerMethodArgumentResolver {
  @Override
  public boolean supportsParameter(MethodParameter parameter) {
    return parameter.getParameterType() == ClientPrincipal.class;
  }

  @Override
  public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mavContainer,
      NativeWebRequest webRequest, WebDataBinderFactory binderFactory) {
    HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
    return request == null ? null : TokenGateFilter.principal(request).orElse(null);
  }
}
