package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenValidator;
import dev.tokengate.spring.security.TokenGateJwtDecoder;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * The {@link Jwt} that tokengate's decoder makes carries its own token's JWS header, exactly as Nimbus parses it,
 * although the decoder keeps parsed headers by their text: tokens of two signing keys in turn, more distinct headers
 * than it keeps, nested header members (which every {@code Jwt} of that header shares, so they must be immutable).
 * Against a real loopback JWKS.
 */
class TokenGateJwtDecoderHeaderTest {
  private TestIssuer issuer;
  private TokenValidator validator;
  private TokenGateJwtDecoder decoder;

  @BeforeEach
  void start() {
    issuer = TestIssuer.start();
    validator = TokenValidator.create(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").build());
    decoder = new TokenGateJwtDecoder(validator);
  }

  @AfterEach
  void stop() {
    validator.close();
    issuer.close();
  }

  @Test
  void tokensOfTwoKeysInTurn_eachCarryTheirOwnHeader() {
    SigningKey first = issuer.key();
    String before = issuer.token().audience("api").sign();
    SigningKey second = issuer.rotate();
    String after = issuer.token().audience("api").sign();
    assertThat(second.kid()).isNotEqualTo(first.kid());

    for (int round = 0; round < 3; round++) {
      assertThat(decoder.decode(before).getHeaders()).containsEntry("kid", first.kid()).isEqualTo(nimbus(before));
      assertThat(decoder.decode(after).getHeaders()).containsEntry("kid", second.kid()).isEqualTo(nimbus(after));
    }
  }

  @Test
  void moreDistinctHeadersThanItKeeps_eachTokenStillGetsItsOwn() {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      tokens.add(issuer.token().audience("api").header("n", i).sign());
    }
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < tokens.size(); i++) {
        // Backwards in the second round, so that kept and evicted headers alternate.
        int index = round == 0 ? i : tokens.size() - 1 - i;
        Map<String, Object> header = decoder.decode(tokens.get(index)).getHeaders();
        assertThat(((Number) header.get("n")).intValue()).as("token %d", index).isEqualTo(index);
        assertThat(header).isEqualTo(nimbus(tokens.get(index)));
      }
    }
  }

  @Test
  void nestedHeaderMembers_areTheTokensOwn_andCannotBeChangedForOtherTokens() {
    String one = issuer.token().audience("api").subject("one")
        .header("ext", Map.of("list", List.of("a", "b"), "inner", Map.of("k", "v"))).sign();
    String two = issuer.token().audience("api").subject("two")
        .header("ext", Map.of("list", List.of("a", "b"), "inner", Map.of("k", "v"))).sign();

    Jwt first = decoder.decode(one);
    @SuppressWarnings("unchecked")
    Map<String, Object> ext = (Map<String, Object>) first.getHeaders().get("ext");
    assertThatThrownBy(() -> ext.put("added", "x")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> ((List<Object>) ext.get("list")).add("c"))
        .isInstanceOf(UnsupportedOperationException.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> inner = (Map<String, Object>) ext.get("inner");
    assertThatThrownBy(() -> inner.put("k", "changed")).isInstanceOf(UnsupportedOperationException.class);

    Jwt second = decoder.decode(two);
    assertThat(second.getSubject()).isEqualTo("two");
    assertThat(second.getHeaders()).isEqualTo(nimbus(two)).isEqualTo(first.getHeaders());
  }

  /** The header as Nimbus parses the token's header text: what a decoder without the kept headers gave. */
  private static Map<String, Object> nimbus(String token) {
    try {
      return JWSHeader.parse(new Base64URL(token.substring(0, token.indexOf('.')))).toJSONObject();
    } catch (java.text.ParseException e) {
      throw new AssertionError(e);
    }
  }
}
