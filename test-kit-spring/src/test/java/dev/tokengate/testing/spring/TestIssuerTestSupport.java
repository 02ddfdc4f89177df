package dev.tokengate.testing.spring;

import com.nimbusds.jose.JWSObject;

final class TestIssuerTestSupport {
  private TestIssuerTestSupport() {}

  static Object claim(String token, String name) throws Exception {
    return JWSObject.parse(token).getPayload().toJSONObject().get(name);
  }
}
