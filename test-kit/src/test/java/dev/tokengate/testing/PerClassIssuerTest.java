package dev.tokengate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/** In a static field, the issuer is started once for the class: every test sees the same one. */
class PerClassIssuerTest {
  @RegisterExtension static final TestIssuer issuer = TestIssuer.extension();
  private static final Set<String> seen = ConcurrentHashMap.newKeySet();

  @RepeatedTest(3)
  void everyTestSeesTheSameRunningIssuer() {
    seen.add(issuer.issuer());
    assertThat(issuer.token().sign()).isNotBlank();
  }

  @AfterAll
  static void oneIssuerServedAllTests() {
    assertThat(seen).hasSize(1);
  }
}
