package dev.tokengate.internal.mtls;

import static dev.tokengate.BearerError.INVALID_TOKEN;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.TrustedIssuer;
import dev.tokengate.internal.token.Principals;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Holds certificate-bound tokens (RFC 8705 §3) to the request's TLS client certificate: the SHA-256 of the
 * certificate's DER, base64url-encoded, must equal the token's {@code cnf.x5t#S256}. Asked for every token on every
 * request, a cached one included: the binding travels with the principal (read once, when the token was validated in
 * full), the certificate is the request's. A token that is not bound costs a field read.
 *
 * <p>The certificate comes from the TLS connection (the servlet attribute {@value #CERTIFICATE_ATTRIBUTE}, the
 * client's own certificate first), or, when {@code mtls-client-certificate-header} is set, from that header alone:
 * behind a TLS-terminating proxy the connection's certificate, if any, is the proxy's.
 */
public final class CertificateBinding {
  /** Where a servlet container puts the client's certificate chain of a TLS connection (Servlet 6 §3.10). */
  public static final String CERTIFICATE_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";

  /** Larger than any certificate a proxy forwards; bounds the work a malformed header can cause. */
  private static final int MAX_HEADER_LENGTH = 32 * 1024;
  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n-----END CERTIFICATE-----(?:\r?\n)?");

  private final Set<String> requiredIssuers;
  private final String header;

  public CertificateBinding(TokenGateConfig config) {
    Set<String> required = new HashSet<>();
    for (TrustedIssuer trusted : config.trustedIssuers()) {
      if (trusted.mtlsRequired()) {
        required.add(trusted.issuer());
      }
    }
    this.requiredIssuers = Set.copyOf(required);
    this.header = config.mtlsClientCertificateHeader().orElse(null);
  }

  /**
   * Refuses the request when the principal's token is certificate-bound and the request's client certificate is
   * missing or another one, or when its issuer requires bound tokens and this one is not.
   *
   * @throws TokenRejectedException {@code invalid_token}, with a description that names neither token nor
   *     certificate
   */
  public void check(HttpServletRequest request, ClientPrincipal principal) throws TokenRejectedException {
    String bound = Principals.certificateThumbprint(principal);
    if (bound == null) {
      if (requiredIssuers.contains(principal.issuer())) {
        throw new TokenRejectedException(INVALID_TOKEN,
            "This API requires certificate-bound access tokens (cnf.x5t#S256, RFC 8705)");
      }
      return;
    }
    byte[] certificate = header == null ? connectionCertificate(request) : headerCertificate(request);
    if (certificate == null) {
      throw new TokenRejectedException(INVALID_TOKEN,
          "The access token is certificate-bound and the request has no TLS client certificate");
    }
    if (!MessageDigest.isEqual(bound.getBytes(StandardCharsets.US_ASCII),
        thumbprint(certificate).getBytes(StandardCharsets.US_ASCII))) {
      throw new TokenRejectedException(INVALID_TOKEN,
          "The access token is bound to another TLS client certificate");
    }
  }

  /** The RFC 8705 §3.1 thumbprint of a DER certificate: base64url (no padding) of its SHA-256. */
  public static String thumbprint(byte[] derCertificate) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(derCertificate);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** The DER of the connection's client certificate; {@code null} when the client presented none (or no TLS). */
  private static byte[] connectionCertificate(HttpServletRequest request) throws TokenRejectedException {
    if (!(request.getAttribute(CERTIFICATE_ATTRIBUTE) instanceof X509Certificate[] chain) || chain.length == 0
        || chain[0] == null) {
      return null;
    }
    try {
      return chain[0].getEncoded();
    } catch (CertificateEncodingException e) {
      throw new TokenRejectedException(INVALID_TOKEN, "The TLS client certificate could not be read");
    }
  }

  /** The DER of the certificate in the proxy's header; {@code null} when the header is absent or empty. */
  private byte[] headerCertificate(HttpServletRequest request) throws TokenRejectedException {
    Enumeration<String> values = request.getHeaders(header);
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    String value = values.nextElement();
    if (values.hasMoreElements()) {
      throw malformedHeader();
    }
    value = value == null ? "" : value.strip();
    if (value.isEmpty()) {
      return null;
    }
    if (value.length() > MAX_HEADER_LENGTH) {
      throw malformedHeader();
    }
    byte[] der = value.charAt(0) == ':' ? byteSequence(value) : escapedPem(value);
    // Exactly one certificate and nothing beside it: the thumbprint is of these bytes, so they must be the whole DER.
    try {
      X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der));
      if (!Arrays.equals(certificate.getEncoded(), der)) {
        throw malformedHeader();
      }
    } catch (CertificateException | RuntimeException e) {
      throw malformedHeader();
    }
    return der;
  }

  /** RFC 9440 §2.1 / RFC 8941 §3.3.5: {@code :base64:}, standard alphabet with padding, spelled canonically. */
  private static byte[] byteSequence(String value) throws TokenRejectedException {
    if (value.length() < 3 || value.charAt(value.length() - 1) != ':') {
      throw malformedHeader();
    }
    return strictBase64(value.substring(1, value.length() - 1));
  }

  /**
   * The URL-encoded PEM of nginx's {@code $ssl_client_escaped_cert}: percent-decoded (a {@code +} is a {@code +}, not
   * a space: PEM's base64 uses it), then exactly one {@code CERTIFICATE} block.
   */
  private static byte[] escapedPem(String value) throws TokenRejectedException {
    StringBuilder pem = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '%') {
        int high = i + 2 < value.length() ? Character.digit(value.charAt(i + 1), 16) : -1;
        int low = high < 0 ? -1 : Character.digit(value.charAt(i + 2), 16);
        if (low < 0) {
          throw malformedHeader();
        }
        pem.append((char) (high * 16 + low));
        i += 2;
      } else if (c > 0x20 && c < 0x7f) {
        pem.append(c);
      } else {
        throw malformedHeader();
      }
    }
    Matcher block = PEM.matcher(pem);
    if (!block.matches()) {
      throw malformedHeader();
    }
    return strictBase64(block.group(1).replace("\r", "").replace("\n", ""));
  }

  /** Standard base64 with padding, refused unless it is the one canonical spelling of its bytes. */
  private static byte[] strictBase64(String text) throws TokenRejectedException {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw malformedHeader();
    }
    // The JDK's decoder ignores stray bits in the last character: several spellings decode alike.
    if (bytes.length == 0 || !Base64.getEncoder().encodeToString(bytes).equals(text)) {
      throw malformedHeader();
    }
    return bytes;
  }

  private static TokenRejectedException malformedHeader() {
    return new TokenRejectedException(INVALID_TOKEN, "The forwarded TLS client certificate is malformed");
  }
}
