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
 * Query and form tokens are read only from where their setting allows (issue 10, 9), on a real Jetty, for the four
 * combinations of {@code allow-query-token} and {@code allow-form-token}. {@code T} in a case stands for a genuine
 * token. Outcomes: 200; 401 with a bare challenge (no token found where it may be); 400 (two tokens, or two places).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenPlacementTest {
  private static final String FORM = "application/x-www-form-urlencoded";
  private TestIssuer issuer;
  private ApiServer neither;
  private ApiServer queryOnly;
  private ApiServer formOnly;
  private ApiServer both;

  @BeforeAll
  void start() {
    issuer = TestIssuer.start();
    neither = ApiServer.start(config(false, false));
    queryOnly = ApiServer.start(config(true, false));
    formOnly = ApiServer.start(config(false, true));
    both = ApiServer.start(config(true, true));
  }

  private TokenGateConfig config(boolean query, boolean form) {
    return TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").allowQueryToken(query)
        .allowFormToken(form).build();
  }

  @AfterAll
  void stop() {
    for (ApiServer server : new ApiServer[] {neither, queryOnly, formOnly, both}) {
      server.close();
    }
    issuer.close();
  }

  @ParameterizedTest(name = "{0} {1} body [{2}]")
  @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
      GET  | /whoami?access_token=T                  | -                     | 401 | 200 | 401 | 200
      POST | /whoami?access_token=T                  | y=access_token        | 401 | 200 | 401 | 200
      POST | /whoami?y=access_token                  | access_token=T        | 401 | 401 | 200 | 200
      POST | /whoami?y=access_token&z=1              | access_token=T&w=2    | 401 | 401 | 200 | 200
      POST | /whoami?%61ccess_token=T                | y=1                   | 401 | 200 | 401 | 200
      POST | /whoami?x=1                             | %61ccess_token=T      | 401 | 401 | 200 | 200
      POST | /whoami?access%5Ftoken=T                | y=1                   | 401 | 200 | 401 | 200
      GET  | /whoami?y=x%26access_token%3DT          | -                     | 401 | 401 | 401 | 401
      POST | /whoami?y=x%26access_token%3DT          | y=1                   | 401 | 401 | 401 | 401
      POST | /whoami                                 | y=x%26access_token%3DT | 401 | 401 | 401 | 401
      GET  | /whoami?xaccess_token=T&access_tokenx=T | -                     | 401 | 401 | 401 | 401
      POST | /whoami?access_token=T                  | access_token=T        | 401 | 200 | 200 | 400
      POST | /whoami?%61ccess_token=T                | access_token=T        | 401 | 200 | 200 | 400
      GET  | /whoami?access_token=T&access_token=T   | -                     | 401 | 400 | 401 | 400
      GET  | /whoami?access_token=T&%61ccess_token=T | -                     | 401 | 400 | 401 | 400
      POST | /whoami                                 | access_token=T&access_token=T | 401 | 401 | 400 | 400
      POST | /whoami?access_token=T&access_token=T   | access_token=T        | 401 | 400 | 200 | 400
      """)
  void tokenIsReadOnlyWhereItsSettingAllows(String method, String target, String body, int withNeither,
      int withQuery, int withForm, int withBoth) {
    int[] expected = {withNeither, withQuery, withForm, withBoth};
    ApiServer[] servers = {neither, queryOnly, formOnly, both};
    for (int i = 0; i < servers.length; i++) {
      String token = issuer.token().sign();
      HttpResponse<String> response = body == null
          ? servers[i].send(method, target.replace("T", token), null)
          : servers[i].send(method, target.replace("T", token), body.replace("T", token), "Content-Type", FORM);
      String setting = new String[] {"neither", "query only", "form only", "both"}[i];
      assertThat(response.statusCode()).as("with %s allowed", setting).isEqualTo(expected[i]);
      switch (expected[i]) {
        case 200 -> assertThat(response.body()).contains("name=orders-service");
        case 401 -> assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
        default -> assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(value ->
            assertThat(value).startsWith("Bearer realm=\"api\", error=\"invalid_request\""));
      }
    }
  }
}
