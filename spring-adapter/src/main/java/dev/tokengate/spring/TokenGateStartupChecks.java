package dev.tokengate.spring;

import dev.tokengate.RequiredScope;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenValidator;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * The checks that keep the starter from switching itself off silently, run once all bean definitions are known and
 * before any bean (or the web server) starts: every {@code tokengate.*} name must be known; properties need tokengate
 * switched on and must not be shadowed by the application's own {@link TokenGateConfig} or {@link TokenValidator};
 * {@link RequiredScope} needs tokengate switched on; and tokengate needs a servlet web application.
 */
final class TokenGateStartupChecks {
  /** Still read next to the application's own config or validator: they say where the filter goes. */
  private static final Set<String> REGISTRATION_GROUPS = Set.of("filter", "management", "security");

  private static final String SWITCH_ON = "Set 'tokengate.issuer' to your authorization server's issuer URL and"
      + " 'tokengate.audiences' to this API's audience (or list issuers under 'tokengate.issuers[N].issuer', or define"
      + " a TokenGateConfig bean)";

  private static final String BEARER_TOKEN_FILTER =
      "org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter";

  private static final List<String> REACTIVE_RESOURCE_SERVER = List.of(
      "org.springframework.security.config.web.server.ServerHttpSecurity",
      "org.springframework.security.oauth2.server.resource.web.server.authentication"
          + ".ServerBearerTokenAuthenticationConverter",
      "org.springframework.security.oauth2.jwt.ReactiveJwtDecoder", "reactor.core.publisher.Mono");

  /** Read only by the servlet filter (and its registration): meaningless, or dangerous if relied on, in WebFlux. */
  private static final Set<String> SERVLET_ONLY =
      Set.of("public-paths", "scope-rules", "filter", "management", "allow-query-token", "allow-form-token");

  /** The starter's own configurations, whose TokenGateConfig and TokenValidator beans are not the application's. */
  private static final Set<String> STARTER_CONFIGURATIONS = Set.of(TokenGateAutoConfiguration.class.getName(),
      "dev.tokengate.spring.TokenGateReactiveSecurityAutoConfiguration");

  private final ConfigurableListableBeanFactory beanFactory;
  private final List<ConfiguredProperties.Property> properties;
  private final Environment environment;

  TokenGateStartupChecks(ConfigurableListableBeanFactory beanFactory, Environment environment) {
    this.beanFactory = beanFactory;
    this.environment = environment;
    this.properties = ConfiguredProperties.of(environment);
  }

  /** For a servlet web application. */
  void checkServletApplication() {
    checkNamesAreKnown();
    checkFilterDisabledOnlyForSpringSecurity();
    List<String> ownBeans = ownConfigOrValidatorBeans();
    boolean active = beanFactory.getBeanNamesForType(TokenValidator.class, true, false).length > 0;
    if (!active) {
      checkNoPropertiesWhileOff();
      checkNoRequiredScopeWhileOff();
    } else if (!ownBeans.isEmpty()) {
      checkNoPropertiesShadowedBy(ownBeans);
    }
  }

  /**
   * For a reactive web application: tokengate works there only as the ReactiveJwtDecoder of Spring Security's
   * resource server ({@link TokenGateReactiveSecurityAutoConfiguration}); without it, or with settings only the servlet
   * filter enforces, requests would go unchecked.
   */
  void checkReactiveApplication() {
    List<String> uses = new ArrayList<>();
    if (!properties.isEmpty()) {
      uses.add("properties " + names(properties));
    }
    List<String> ownBeans = ownConfigOrValidatorBeans();
    if (!ownBeans.isEmpty()) {
      uses.add("beans " + ownBeans);
    }
    List<String> scoped = requiredScopeUses();
    if (!scoped.isEmpty()) {
      uses.add("@RequiredScope on " + scoped);
    }
    if (uses.isEmpty()) {
      return;
    }
    ClassLoader loader = beanFactory.getBeanClassLoader();
    if (!REACTIVE_RESOURCE_SERVER.stream().allMatch(type -> ClassUtils.isPresent(type, loader))) {
      throw new InvalidTokenGatePropertyException("tokengate", "tokengate needs a servlet web application (Spring MVC),"
          + " or, in a reactive web application (WebFlux), Spring Security's resource server, where tokengate is its"
          + " ReactiveJwtDecoder; this is a reactive web application without Spring Security's resource server, where"
          + " no request would be checked; the application uses tokengate through " + String.join(" and ", uses),
          "Add spring-boot-starter-security and spring-security-oauth2-resource-server and configure"
              + " oauth2ResourceServer(o -> o.jwt(Customizer.withDefaults())) in a SecurityWebFilterChain; or run the"
              + " application as a servlet web application (spring-boot-starter-webmvc, or"
              + " spring.main.web-application-type=servlet); or remove the tokengate starter and its properties,"
              + " beans and annotations from this application.", null);
    }
    checkNamesAreKnown();
    if (!scoped.isEmpty()) {
      throw new InvalidTokenGatePropertyException("tokengate", "@RequiredScope is on " + scoped + ", but in a reactive"
          + " (WebFlux) application nothing enforces it, so these handlers would answer callers without the scope",
          "Require the scope with Spring Security instead: .pathMatchers(...).hasAuthority(\"SCOPE_orders:read\") in"
              + " the SecurityWebFilterChain, or @PreAuthorize(\"hasAuthority('SCOPE_orders:read')\") with"
              + " @EnableReactiveMethodSecurity; and remove @RequiredScope.", null);
    }
    boolean active = beanFactory.getBeanNamesForType(TokenValidator.class, true, false).length > 0;
    if (!active) {
      checkNoPropertiesWhileOff();
    } else if (!ownBeans.isEmpty()) {
      checkNoPropertiesShadowedBy(ownBeans);
    }
    List<ConfiguredProperties.Property> servletOnly = properties.stream()
        .filter(property -> SERVLET_ONLY.contains(
            property.name().getElement(KnownPropertyNames.PREFIX.getNumberOfElements(), Form.DASHED)))
        .toList();
    if (!servletOnly.isEmpty()) {
      throw new InvalidTokenGatePropertyException(servletOnly.get(0).name().toString(), "Properties "
          + names(servletOnly) + " are set, but only tokengate's servlet filter reads them, and a reactive (WebFlux)"
          + " application has none: they would be ignored, and scope-rules would go unenforced",
          "Express these rules in the SecurityWebFilterChain (.pathMatchers(...).permitAll(),"
              + " .hasAuthority(\"SCOPE_...\")) and remove the properties.", null);
    }
  }

  /** tokengate.filter.enabled=false only makes sense with Spring Security's resource server, which then validates. */
  private void checkFilterDisabledOnlyForSpringSecurity() {
    boolean disabled = !org.springframework.boot.context.properties.bind.Binder.get(environment)
        .bind("tokengate.filter.enabled", Boolean.class).orElse(true);
    if (disabled && !ClassUtils.isPresent(BEARER_TOKEN_FILTER, beanFactory.getBeanClassLoader())) {
      throw new InvalidTokenGatePropertyException("tokengate.filter.enabled", "Property 'tokengate.filter.enabled' is"
          + " false, but Spring Security's resource server (spring-security-oauth2-resource-server) is not on the"
          + " classpath, so no request would have its token checked",
          "Remove 'tokengate.filter.enabled' to let tokengate's filter check every request, or add"
              + " spring-security-oauth2-resource-server and configure oauth2ResourceServer(o -> o.jwt(...)) with"
              + " tokengate's JwtDecoder.", null);
    }
  }

  private void checkNamesAreKnown() {
    for (ConfiguredProperties.Property property : properties) {
      Optional<KnownPropertyNames.Unknown> unknown = KnownPropertyNames.check(property.name());
      if (unknown.isPresent()) {
        String suggestion = unknown.get().suggestion();
        String message = "Property " + property.describe() + " is not a tokengate property"
            + (suggestion == null ? "" : ": did you mean '" + suggestion + "'?");
        String action = suggestion == null
            ? "Remove " + property.describe() + " or correct its name. The tokengate properties are: "
                + String.join(", ", KnownPropertyNames.all()) + " (README lists them with their meaning)."
            : "Rename " + property.describe() + " to '" + suggestion + "'" + asVariable(property, suggestion)
                + ", or remove it.";
        throw new InvalidTokenGatePropertyException(property.name().toString(), message, action, null);
      }
    }
  }

  private static String asVariable(ConfiguredProperties.Property property, String suggestion) {
    if (!property.written().startsWith("environment variable ")) {
      return "";
    }
    ConfigurationPropertyName name = ConfigurationPropertyName.of(suggestion);
    StringBuilder variable = new StringBuilder();
    for (int i = 0; i < name.getNumberOfElements(); i++) {
      variable.append(i == 0 ? "" : "_").append(name.getElement(i, Form.UNIFORM).toUpperCase(java.util.Locale.ROOT));
    }
    return " (environment variable " + variable + ")";
  }

  private void checkNoPropertiesWhileOff() {
    if (!properties.isEmpty()) {
      throw new InvalidTokenGatePropertyException("tokengate.issuer", "Properties " + names(properties)
          + " are set but tokengate is not switched on: neither 'tokengate.issuer' nor 'tokengate.issuers[N].issuer'"
          + " is set and there is no TokenGateConfig or TokenValidator bean, so no request would be checked",
          SWITCH_ON + "; or remove the tokengate.* properties if this application is not to be protected.", null);
    }
  }

  private void checkNoRequiredScopeWhileOff() {
    List<String> scoped = requiredScopeUses();
    if (!scoped.isEmpty()) {
      throw new InvalidTokenGatePropertyException("tokengate.issuer", "@RequiredScope is on " + scoped
          + " but tokengate is not switched on: neither 'tokengate.issuer' nor 'tokengate.issuers[N].issuer' is set"
          + " and there is no TokenGateConfig or TokenValidator bean, so these handlers would answer without any"
          + " token check", SWITCH_ON + ".", null);
    }
  }

  private void checkNoPropertiesShadowedBy(List<String> ownBeans) {
    List<ConfiguredProperties.Property> shadowed = properties.stream()
        .filter(property -> !REGISTRATION_GROUPS.contains(
            property.name().getElement(KnownPropertyNames.PREFIX.getNumberOfElements(), Form.UNIFORM)))
        .toList();
    if (!shadowed.isEmpty()) {
      throw new InvalidTokenGatePropertyException(shadowed.get(0).name().toString(), "Properties " + names(shadowed)
          + " are set, but the application's own " + ownBeans + " replaces them, so they would be ignored",
          "Build these settings into " + ownBeans + " and remove the properties, or remove the bean and configure"
              + " tokengate with the properties alone. Next to your own TokenGateConfig or TokenValidator bean only"
              + " tokengate.filter.*, tokengate.management.* and tokengate.security.* are read.", null);
    }
  }

  /** The application's TokenGateConfig and TokenValidator beans (not the auto-configuration's), as "type 'name'". */
  private List<String> ownConfigOrValidatorBeans() {
    List<String> own = new ArrayList<>();
    for (Class<?> type : List.of(TokenGateConfig.class, TokenValidator.class)) {
      for (String name : beanFactory.getBeanNamesForType(type, true, false)) {
        if (!beanFactory.containsBeanDefinition(name) || !STARTER_CONFIGURATIONS
            .contains(beanFactory.getBeanDefinition(name).getFactoryBeanName())) {
          own.add(type.getSimpleName() + " '" + name + "'");
        }
      }
    }
    return own;
  }

  /** The classes and methods of beans carrying {@link RequiredScope}, directly or as a meta-annotation; sorted. */
  private List<String> requiredScopeUses() {
    List<String> uses = new ArrayList<>();
    for (Class<?> type : ApplicationBeanTypes.of(beanFactory)) {
      if (AnnotatedElementUtils.hasAnnotation(type, RequiredScope.class)) {
        uses.add(type.getName());
        continue;
      }
      for (Method method : ReflectionUtils.getUniqueDeclaredMethods(type, ReflectionUtils.USER_DECLARED_METHODS)) {
        if (AnnotatedElementUtils.hasAnnotation(method, RequiredScope.class)) {
          uses.add(type.getName() + "." + method.getName() + "()");
        }
      }
    }
    uses.sort(null);
    return uses;
  }

  private static String names(List<ConfiguredProperties.Property> properties) {
    return properties.stream().map(ConfiguredProperties.Property::describe)
        .collect(Collectors.joining(", ", "[", "]"));
  }
}
