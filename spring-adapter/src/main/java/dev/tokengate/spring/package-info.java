/**
 * Spring Boot auto-configuration of tokengate: set {@code tokengate.issuer} and {@code tokengate.audiences} and every
 * request of a servlet web application needs a valid access token. Public types: {@link
 * dev.tokengate.spring.TokenGateAutoConfiguration}, {@link dev.tokengate.spring.TokenGateProperties}, and the Spring
 * MVC helpers {@link dev.tokengate.spring.RequiredScopeInterceptor} and {@link
 * dev.tokengate.spring.ClientPrincipalArgumentResolver}, public so that an application can replace them.
 */
package dev.tokengate.spring;
