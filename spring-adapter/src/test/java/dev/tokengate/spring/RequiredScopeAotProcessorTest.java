package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.RequiredScope;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import org.junit.jupiter.api.Test;
import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.javapoet.ClassName;

/** The native-image hints tokengate writes during Spring AOT processing, read back as a native image would. */
class RequiredScopeAotProcessorTest {
  @RequiredScope("countries:read")
  static class AnnotatedController {}

  static class BaseController {
    public void inherited() {}
  }

  static class MethodAnnotated extends BaseController {
    @RequiredScope("orders:write")
    public void place() {}
  }

  @Retention(RetentionPolicy.RUNTIME)
  @RequiredScope("admin")
  @interface AdminOnly {}

  static class MetaAnnotated {
    @AdminOnly
    public void purge() {}
  }

  static class Plain {
    public void nothing() {}
  }

  @Test
  void registersTheAnnotationAndEveryBeanClassCarryingIt_withItsSuperclasses() {
    RuntimeHints hints = hintsFor(AnnotatedController.class, MethodAnnotated.class, MetaAnnotated.class, Plain.class);

    assertThat(RuntimeHintsPredicates.reflection().onType(RequiredScope.class)).accepts(hints);
    assertThat(RuntimeHintsPredicates.reflection().onType(RequiredScope.Mode.class)).accepts(hints);
    assertThat(RuntimeHintsPredicates.reflection().onType(AnnotatedController.class)).accepts(hints);
    assertThat(RuntimeHintsPredicates.reflection().onType(MethodAnnotated.class)).accepts(hints);
    assertThat(RuntimeHintsPredicates.reflection().onType(BaseController.class)).accepts(hints);
    assertThat(RuntimeHintsPredicates.reflection().onType(MetaAnnotated.class)).accepts(hints);
    assertThat(RuntimeHintsPredicates.reflection().onType(Plain.class)).rejects(hints);
  }

  @Test
  void contributesNothing_whenNoBeanCarriesTheAnnotation() {
    DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
    beanFactory.registerBeanDefinition("plain", new RootBeanDefinition(Plain.class));

    assertThat(new RequiredScopeAotProcessor().processAheadOfTime(beanFactory)).isNull();
  }

  @Test
  void isRegisteredForSpringAot() {
    assertThat(SpringFactoriesLoader.forResourceLocation("META-INF/spring/aot.factories")
            .load(BeanFactoryInitializationAotProcessor.class))
        .hasAtLeastOneElementOfType(RequiredScopeAotProcessor.class);
  }

  private static RuntimeHints hintsFor(Class<?>... beanClasses) {
    DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
    for (Class<?> beanClass : beanClasses) {
      beanFactory.registerBeanDefinition(beanClass.getSimpleName(), new RootBeanDefinition(beanClass));
    }
    BeanFactoryInitializationAotContribution contribution =
        new RequiredScopeAotProcessor().processAheadOfTime(beanFactory);
    assertThat(contribution).isNotNull();
    DefaultGenerationContext generation = new DefaultGenerationContext(
        new ClassNameGenerator(ClassName.get("com.example", "App")), new InMemoryGeneratedFiles());
    contribution.applyTo(generation, null);
    return generation.getRuntimeHints();
  }
}
