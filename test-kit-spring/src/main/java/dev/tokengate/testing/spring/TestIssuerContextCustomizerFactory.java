package dev.tokengate.testing.spring;

import java.util.List;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.TestContextAnnotationUtils;

/** Registered in {@code META-INF/spring.factories}: reads {@link AutoConfigureTestIssuer} from the test class. */
final class TestIssuerContextCustomizerFactory implements ContextCustomizerFactory {
  @Override
  public ContextCustomizer createContextCustomizer(Class<?> testClass,
      List<ContextConfigurationAttributes> configAttributes) {
    // Searches enclosing classes too, so that @Nested tests of an annotated class get the issuer.
    AutoConfigureTestIssuer annotation =
        TestContextAnnotationUtils.findMergedAnnotation(testClass, AutoConfigureTestIssuer.class);
    return annotation == null ? null
        : new TestIssuerContextCustomizer(annotation.audience(), annotation.clientId(), List.of(annotation.scopes()));
  }
}
