package dev.tokengate.testing.spring;

import dev.tokengate.testing.TestIssuer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Starts the issuer before the context refreshes (so auto-configuration sees {@code tokengate.issuer}), registers it
 * as a bean, and stops it when the context closes. Equal settings give equal customizers, so Spring's context cache
 * still shares contexts between test classes.
 */
final class TestIssuerContextCustomizer implements ContextCustomizer {
  static final String BEAN_NAME = "tokenGateTestIssuer";
  static final String PROPERTY_SOURCE_NAME = "tokenGateTestIssuer";

  private final String audience;
  private final String clientId;
  private final List<String> scopes;

  TestIssuerContextCustomizer(String audience, String clientId, List<String> scopes) {
    this.audience = audience;
    this.clientId = clientId;
    this.scopes = List.copyOf(scopes);
  }

  @Override
  public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
    ConfigurableEnvironment environment = context.getEnvironment();
    Binder binder = Binder.get(environment);
    String tokenAudience = audience.isEmpty()
        ? binder.bind("tokengate.audiences", Bindable.listOf(String.class)).orElse(List.of()).stream().findFirst()
            .orElse("api")
        : audience;
    TestIssuer issuer = TestIssuer.builder().audience(tokenAudience).clientId(clientId)
        .scopes(scopes.toArray(String[]::new)).start();
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("tokengate.issuer", issuer.issuer());
    if (environment.containsProperty("tokengate.jwks-uri")) {
      properties.put("tokengate.jwks-uri", issuer.jwksUri());
    }
    // First: above application.properties and @SpringBootTest(properties), which name the real issuer.
    environment.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, properties));
    context.getBeanFactory().registerSingleton(BEAN_NAME, issuer);
    context.addApplicationListener(event -> {
      if (event instanceof ContextClosedEvent closed && closed.getApplicationContext() == context) {
        issuer.close();
      }
    });
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TestIssuerContextCustomizer that && audience.equals(that.audience)
        && clientId.equals(that.clientId) && scopes.equals(that.scopes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(audience, clientId, scopes);
  }
}
