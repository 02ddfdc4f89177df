package dev.tokengate.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;

/**
 * Builds compact JWS strings byte for byte, for headers Nimbus's builder refuses to write ({@code jku}, {@code jwk},
 * {@code x5u}, {@code x5c} set by hand, {@code alg} spelled {@code nOnE}, deep nesting) and for payloads that are
 * not a JSON object.
 */
final class RawJws {
  private RawJws() {}

  static String b64(String text) {
    return Base64URL.encode(text.getBytes(StandardCharsets.UTF_8)).toString();
  }

  static String b64(byte[] bytes) {
    return Base64URL.encode(bytes).toString();
  }

  /** Signs exactly these header and payload texts; the signer must fit the header's {@code alg}. */
  static String sign(String headerJson, String payloadJson, JWSSigner signer) {
    String signingInput = b64(headerJson) + "." + b64(payloadJson);
    try {
      JWSHeader header = JWSHeader.parse(headerJson);
      Base64URL signature = signer.sign(header, signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + signature;
    } catch (ParseException | JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Signs exactly these texts even when Nimbus would refuse to parse the header (e.g. a duplicate parameter); the
   * signer is told only the algorithm.
   */
  static String signUnparsed(String headerJson, String payloadJson, JWSSigner signer, JWSAlgorithm algorithm) {
    String signingInput = b64(headerJson) + "." + b64(payloadJson);
    try {
      Base64URL signature = signer.sign(new JWSHeader(algorithm), signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + signature;
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Header and payload with whatever signature bytes the test wants, e.g. none or all zeros. */
  static String unsigned(String headerJson, String payloadJson, byte[] signature) {
    return b64(headerJson) + "." + b64(payloadJson) + "." + b64(signature);
  }

  /** Replaces the signature segment of a token. */
  static String withSignature(String token, byte[] signature) {
    return token.substring(0, token.lastIndexOf('.') + 1) + b64(signature);
  }

  static String[] parts(String token) {
    return token.split("\\.", -1);
  }

  static byte[] signatureBytes(String token) {
    return new Base64URL(parts(token)[2]).decode();
  }

  static String payloadJson(String token) {
    return new Base64URL(parts(token)[1]).decodeToString();
  }
}
