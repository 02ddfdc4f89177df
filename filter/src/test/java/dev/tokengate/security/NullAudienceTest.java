package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.support.ApiServer;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * A signed token whose {@code aud} array holds a JSON null is malformed: 401 {@code invalid_token}, never a 500
 * (the immutable audience sets threw NullPointerException), with a configured audience and with any audience.
 */
class NullAudienceTest {
  @Test
  void nullInsideTheAudienceArray_isMalformed_notA500() {
    try (TestIssuer issuer = TestIssuer.start();
        ApiServer checked = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
            .build());
        ApiServer anyAudience = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer())
            .allowAnyAudience(true).build())) {
      long now = System.currentTimeMillis() / 1000;
      for (String audience : new String[] {"[null,\"api\"]", "[\"api\",null]", "[null]"}) {
        String token = issuer.token().signPayload("{\"iss\":\"" + issuer.issuer() + "\",\"client_id\":\"c\","
            + "\"exp\":" + (now + 300) + ",\"aud\":" + audience + "}");
        for (ApiServer api : new ApiServer[] {checked, anyAudience}) {
          HttpResponse<String> response = api.get("/whoami", token);
          assertThat(response.statusCode()).as(audience).isEqualTo(401);
          assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
              + " error=\"invalid_token\", error_description=\"The access token is malformed\"");
        }
      }
    }
  }
}
