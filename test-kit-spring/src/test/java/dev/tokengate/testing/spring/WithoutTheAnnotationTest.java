package dev.tokengate.testing.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.testing.TestIssuer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;

/** Having the kit on the classpath changes nothing for a test that does not ask for an issuer. */
@SpringBootTest(classes = OrdersApp.class, properties = {
    "tokengate.issuer=https://login.example.com/realms/orders",
    "tokengate.audiences=orders-api",
})
class WithoutTheAnnotationTest {
  @Autowired ApplicationContext context;
  @Autowired Environment environment;

  @Test
  void noIssuerIsStarted_andThePropertiesStayTheApplications() {
    assertThat(context.getBeanNamesForType(TestIssuer.class)).isEmpty();
    assertThat(environment.getProperty("tokengate.issuer")).isEqualTo("https://login.example.com/realms/orders");
  }
}
