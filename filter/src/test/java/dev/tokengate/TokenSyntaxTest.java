package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The compact-JWS syntax a token must have (RFC 7515 §7.1), checked by the validator itself (as a library user
 * calls it, with no servlet container in front): every departure is "malformed", whichever segment it is in.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenSyntaxTest {
  private final MutableClock clock = MutableClock.startingNow();
  private TestIssuer issuer;
  private TokenValidator validator;

  @BeforeAll
  void start() {
    issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
    validator = TokenValidator.create(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
        .tokenCacheSize(0).clock(clock).build());
  }

  @AfterAll
  void stop() {
    issuer.close();
  }

  static Stream<Arguments> malformations() {
    return Stream.of(
        Arguments.of("padding after the signature", (UnaryOperator<String>) t -> t + "=="),
        Arguments.of("padding inside the payload", (UnaryOperator<String>) t -> t.replaceFirst("\\.", ".=")),
        Arguments.of("a fourth segment", (UnaryOperator<String>) t -> t + ".AAAA"),
        Arguments.of("an empty signature", (UnaryOperator<String>) t -> t.substring(0, t.lastIndexOf('.') + 1)),
        Arguments.of("an empty header", (UnaryOperator<String>) t -> t.substring(t.indexOf('.'))),
        Arguments.of("base64 '+' in the payload", (UnaryOperator<String>) t -> t.replaceFirst("\\.(.)", ".+")),
        Arguments.of("base64 '/' in the signature", (UnaryOperator<String>) t -> t.substring(0, t.length() - 2) + "/A"),
        Arguments.of("a space in the header", (UnaryOperator<String>) t -> " " + t),
        Arguments.of("a non-Latin-1 character", (UnaryOperator<String>) t -> t.replaceFirst("\\.(.)", ".\u20ac")),
        Arguments.of("a payload shifted by one character", (UnaryOperator<String>) t -> t.replaceFirst("\\.", ".A")),
        Arguments.of("no dots at all", (UnaryOperator<String>) t -> t.replace(".", "")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformations")
  void malformedToken_isRefusedAsMalformed(String what, UnaryOperator<String> change) {
    String token = change.apply(issuer.token().sign());

    assertThatThrownBy(() -> validator.validate(token))
        .isInstanceOf(TokenRejectedException.class)
        .hasMessageContaining("The access token is malformed");
  }

  @Test
  void wellFormedToken_isAccepted() throws Exception {
    assertThat(validator.validate(issuer.token().sign()).clientId()).isEqualTo("orders-service");
  }
}
