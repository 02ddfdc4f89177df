package dev.tokengate.internal.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import java.text.ParseException;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TokenClaims} types a payload's registered claims as {@link JWTClaimsSet#parse(Map)} does: for every payload
 * here both refuse it, or both give the same issuer, subject, audience, times and claim values.
 */
class TokenClaimsTest {
  private static final List<String> READ = List.of("iss", "sub", "aud", "jti", "client_id", "azp", "scope", "scp",
      "typ", "events", "token_use", "exp");

  @ParameterizedTest
  @ValueSource(strings = {
    "{}",
    "{\"iss\":\"https://issuer\",\"sub\":\"s\",\"aud\":\"api\",\"exp\":1796743388,\"nbf\":1796138588,"
        + "\"iat\":1796138588,\"jti\":\"j\",\"client_id\":\"c\",\"scope\":\"a b\"}",
    "{\"iss\":5}",
    "{\"iss\":null}",
    "{\"iss\":[\"a\"]}",
    "{\"sub\":12345}",
    "{\"sub\":1.5e3}",
    "{\"sub\":true}",
    "{\"sub\":{\"a\":1}}",
    "{\"sub\":null}",
    "{\"aud\":[\"api\",\"other\"]}",
    "{\"aud\":[]}",
    "{\"aud\":[\"api\",5]}",
    "{\"aud\":[\"api\",null]}",
    "{\"aud\":[[\"api\"]]}",
    "{\"aud\":{\"api\":1}}",
    "{\"aud\":5}",
    "{\"aud\":null}",
    "{\"aud\":true}",
    "{\"exp\":1796743388.9}",
    "{\"exp\":\"1796743388\"}",
    "{\"exp\":null}",
    "{\"exp\":true}",
    "{\"exp\":-1}",
    "{\"exp\":9223372036854775807}",
    "{\"exp\":1e300}",
    "{\"nbf\":\"soon\"}",
    "{\"iat\":[1]}",
    "{\"jti\":5}",
    "{\"jti\":null}",
    "{\"client_id\":5,\"azp\":\"p\",\"scope\":[\"a\",\"b\"],\"scp\":[1]}",
    "{\"typ\":\"ID\",\"events\":{},\"token_use\":\"id\"}",
  })
  void typesLikeJwtClaimsSet(String json) throws Exception {
    Map<String, Object> payload = JSONObjectUtils.parse(json);
    JWTClaimsSet nimbus;
    try {
      nimbus = JWTClaimsSet.parse(payload);
    } catch (ParseException e) {
      assertThatThrownBy(() -> TokenClaims.of(payload)).isInstanceOf(ParseException.class);
      return;
    }
    TokenClaims ours;
    try {
      ours = TokenClaims.of(payload);
    } catch (ParseException e) {
      // Stricter than Nimbus on purpose, and only here: a time whose milliseconds overflow a long (Nimbus wraps it).
      assertThat(e.getMessage()).endsWith("is out of range");
      assertThat(json).containsAnyOf("9223372036854775807", "1e300");
      return;
    }
    assertThat(ours.issuer()).isEqualTo(nimbus.getIssuer());
    assertThat(ours.subject()).isEqualTo(nimbus.getSubject());
    assertThat(ours.audience()).isEqualTo(nimbus.getAudience());
    assertThat(ours.expiresAt()).isEqualTo(millis(nimbus.getExpirationTime()));
    assertThat(ours.notBefore()).isEqualTo(millis(nimbus.getNotBeforeTime()));
    assertThat(ours.issuedAt()).isEqualTo(millis(nimbus.getIssueTime()));
    assertThat(ours.payload()).isSameAs(payload);
    for (String name : READ) {
      Object theirs = nimbus.getClaim(name);
      if (theirs instanceof Date date) {
        // JWTClaimsSet turns exp, nbf and iat into Dates; the verifier treats both as "neither string nor list".
        assertThat(ours.claim(name)).isInstanceOf(Number.class);
        assertThat(((Number) ours.claim(name)).longValue() * 1000).isEqualTo(date.getTime());
      } else {
        assertThat(ours.claim(name)).as(name).isEqualTo(theirs);
      }
    }
  }

  private static long millis(Date date) {
    return date == null ? Long.MIN_VALUE : date.getTime();
  }
}
