package dev.tokengate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Per-test issuers of tests running at the same time never share a port, key or fault. The latch makes the four
 * repetitions overlap: run one after another, the first would wait in vain and fail.
 */
@Execution(ExecutionMode.CONCURRENT)
class ParallelIssuersTest {
  private static final int TESTS = 4;
  private static final CountDownLatch allRunning = new CountDownLatch(TESTS);
  private static final Set<String> issuers = ConcurrentHashMap.newKeySet();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @RegisterExtension final TestIssuer issuer = TestIssuer.extension();

  @RepeatedTest(TESTS)
  void eachTestHasItsOwnIssuer_evenWhileOthersBreakTheirs() throws Exception {
    assertThat(issuers.add(issuer.issuer())).as("a port no other test has").isTrue();
    allRunning.countDown();
    assertThat(allRunning.await(30, TimeUnit.SECONDS)).as("the tests ran concurrently").isTrue();
    SigningKey mine = SigningKey.rsa("mine-" + issuer.server().port());
    issuer.rotateDroppingOld(mine);
    String body = HTTP.send(HttpRequest.newBuilder(URI.create(issuer.jwksUri())).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(JWKSet.parse(body).getKeys()).extracting(JWK::getKeyID).containsExactly(mine.kid());
    assertThat(TestIssuerTest.verifies(issuer.token().sign(), JWKSet.parse(body))).isTrue();
  }
}
