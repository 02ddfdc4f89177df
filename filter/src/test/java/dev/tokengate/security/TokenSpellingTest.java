package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.support.ApiServer;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** One spelling per token: base64url with stray bits in the last character of a part is malformed (issue 10, 8). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenSpellingTest {
  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  private static final String MALFORMED = "Bearer realm=\"api\", error=\"invalid_token\","
      + " error_description=\"The access token is malformed\"";

  private TestIssuer issuer;
  private ApiServer api;

  @BeforeAll
  void start() {
    issuer = TestIssuer.start();
    api = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").build());
  }

  @AfterAll
  void stop() {
    api.close();
    issuer.close();
  }

  /** The spellings of {@code part} that the JDK's decoder reads as the same bytes, the canonical one included. */
  private static List<String> spellings(String part) {
    int unusedBits = switch (part.length() % 4) {
      case 2 -> 4;
      case 3 -> 2;
      default -> 0;
    };
    char last = part.charAt(part.length() - 1);
    int canonical = ALPHABET.indexOf(last) & ~((1 << unusedBits) - 1);
    List<String> all = new ArrayList<>();
    for (int stray = 0; stray < 1 << unusedBits; stray++) {
      all.add(part.substring(0, part.length() - 1) + ALPHABET.charAt(canonical | stray));
    }
    return all;
  }

  @Test
  void theSixteenSpellingsOfAnRs256Signature_exactlyOneIsAccepted() {
    String token = issuer.token().sign();
    String[] parts = token.split("\\.");
    assertThat(parts[2]).as("a 2048-bit RSA signature is 342 characters, 4 unused bits").hasSize(342);
    List<String> spellings = spellings(parts[2]);
    assertThat(spellings).hasSize(16).contains(parts[2]);
    List<String> accepted = new ArrayList<>();
    for (String signature : spellings) {
      HttpResponse<String> response = api.get("/whoami", parts[0] + "." + parts[1] + "." + signature);
      if (response.statusCode() == 200) {
        accepted.add(signature);
      } else {
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(MALFORMED);
      }
    }
    assertThat(accepted).containsExactly(parts[2]);
  }

  @Test
  void strayBitsInTheHeaderOrPayload_areMalformed_beforeAnySignatureCheck() {
    // Claims of varying length, so that each part in turn ends with unused bits.
    int checked = 0;
    for (String filler : List.of("a", "ab", "abc", "abcd")) {
      String[] parts = issuer.token().claim("x", filler).sign().split("\\.");
      for (int part = 0; part < 2; part++) {
        List<String> spellings = spellings(parts[part]);
        for (String spelling : spellings.subList(1, spellings.size())) {
          if (spelling.equals(parts[part])) {
            continue;
          }
          String[] changed = parts.clone();
          changed[part] = spelling;
          HttpResponse<String> response = api.get("/whoami", String.join(".", changed));
          // Malformed, not "signature is invalid": the spelling is refused before the signature is looked at.
          assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(MALFORMED);
          checked++;
        }
      }
    }
    assertThat(checked).as("some parts had unused bits").isGreaterThan(3);
  }

  @Test
  void aPartOfImpossibleLength_isMalformed() {
    String[] parts = issuer.token().sign().split("\\.");
    assertThat(parts[2].length() % 4).isEqualTo(2);
    HttpResponse<String> response = api.get("/whoami", parts[0] + "." + parts[1] + "." + parts[2] + "AAA");
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(MALFORMED);
  }
}
