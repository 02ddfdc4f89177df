package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.support.ApiServer;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * With {@code allow-form-token}, the filter asks the container for the form's parameters. A form the container
 * cannot parse is the client's malformed request: 400 {@code invalid_request} from the filter, with a token or
 * without, never a 500 and never the container's HTML error page naming an exception. Real Jetty.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnparsableFormTest {
  private TestIssuer issuer;
  private ApiServer api;

  @BeforeAll
  void start() {
    issuer = TestIssuer.start();
    api = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").allowFormToken(true)
        .build());
  }

  @AfterAll
  void stop() {
    api.close();
    issuer.close();
  }

  @ParameterizedTest(name = "{0} [{1}] {2}")
  @CsvSource(delimiter = '|', textBlock = """
      /whoami       | application/x-www-form-urlencoded; charset=x-bogus | access_token=T
      /whoami       | application/x-www-form-urlencoded; charset=x-bogus | a=b
      /whoami       | application/x-www-form-urlencoded                 | access_token=%zz
      /whoami       | application/x-www-form-urlencoded                 | a=%C0%AE
      /whoami?q=%C0 | application/x-www-form-urlencoded                 | a=b
      """)
  void unparsableForm_isA400FromTheFilter(String target, String contentType, String body) {
    for (boolean withHeader : new boolean[] {false, true}) {
      String token = issuer.token().sign();
      String formBody = body.replace("T", token);
      HttpResponse<String> response = withHeader
          ? api.send("POST", target, formBody, "Content-Type", contentType, "Authorization", "Bearer " + token)
          : api.send("POST", target, formBody, "Content-Type", contentType);
      assertThat(response.statusCode()).as("header token: %s", withHeader).isEqualTo(400);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
          + " error=\"invalid_request\", error_description=\"The request's form body or query cannot be parsed\"");
      assertThat(response.body()).isEqualTo("{\"error\":\"invalid_request\",\"error_description\":"
          + "\"The request's form body or query cannot be parsed\"}");
      assertThat(response.body()).doesNotContain(token);
    }
  }
}
