package dev.tokengate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed EC certificates for tests of certificate-bound tokens (RFC 8705), made at test time with the JDK's
 * {@code keytool} (the JDK has no public API to make certificates): a server certificate for 127.0.0.1 and two client
 * certificates, {@link #CLIENT_A} and {@link #CLIENT_B}, which the server trusts. Nothing needs checking in: the key
 * stores live in a temporary directory, deleted by {@link #close()}. Valid for two days; not for production.
 *
 * <p>A token bound to a certificate carries its {@link #thumbprint(String)} as {@code cnf.x5t#S256}, e.g. {@code
 * issuer.token().claim("cnf", Map.of("x5t#S256", certificates.thumbprint(TestCertificates.CLIENT_A)))}; a client
 * presents the certificate with {@link #clientContext(String)}.
 *
 * @since 0.1.0
 */
public final class TestCertificates implements AutoCloseable {
  /** The password of every key store and key. */
  public static final String PASSWORD = "changeit";
  /** The alias of the server's key and certificate (CN=127.0.0.1, SAN ip:127.0.0.1 and dns:localhost). */
  public static final String SERVER = "server";
  /** The alias of the first client's key and certificate (CN=client-a). */
  public static final String CLIENT_A = "client-a";
  /** The alias of the second client's key and certificate (CN=client-b). */
  public static final String CLIENT_B = "client-b";

  private final Path directory;
  private final KeyStore server;
  private final KeyStore clientA;
  private final KeyStore clientB;

  private TestCertificates(Path directory) throws IOException, GeneralSecurityException {
    this.directory = directory;
    this.server = load(SERVER);
    this.clientA = load(CLIENT_A);
    this.clientB = load(CLIENT_B);
  }

  /**
   * Makes the three key pairs (three keytool runs, in parallel).
   *
   * @return the certificates; close them to delete their temporary directory
   */
  public static TestCertificates create() {
    try {
      Path directory = Files.createTempDirectory("tokengate-mtls");
      List<Process> runs = new ArrayList<>();
      runs.add(keytool(directory, SERVER, "CN=127.0.0.1", "SAN=ip:127.0.0.1,dns:localhost"));
      runs.add(keytool(directory, CLIENT_A, "CN=client-a", null));
      runs.add(keytool(directory, CLIENT_B, "CN=client-b", null));
      for (Process run : runs) {
        if (!run.waitFor(60, TimeUnit.SECONDS) || run.exitValue() != 0) {
          throw new IllegalStateException("keytool failed: " + new String(run.getInputStream().readAllBytes(),
              StandardCharsets.UTF_8));
        }
      }
      return new TestCertificates(directory);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Process keytool(Path directory, String alias, String dname, String san) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
        .toString(), "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg",
        "SHA256withECDSA", "-dname", dname, "-validity", "2", "-storetype", "PKCS12", "-keystore",
        directory.resolve(alias + ".p12").toString(), "-storepass", PASSWORD, "-keypass", PASSWORD));
    if (san != null) {
      command.addAll(List.of("-ext", san));
    }
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  private KeyStore load(String alias) throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(directory.resolve(alias + ".p12"))) {
      store.load(in, PASSWORD.toCharArray());
    }
    return store;
  }

  /**
   * The server's key store: its key and certificate under {@link #SERVER}.
   *
   * @return the key store
   */
  public KeyStore serverKeyStore() {
    return server;
  }

  /**
   * The server's key store file, e.g. for {@code server.ssl.key-store}.
   *
   * @return the PKCS12 file, password {@link #PASSWORD}
   */
  public Path serverKeyStoreFile() {
    return directory.resolve(SERVER + ".p12");
  }

  /**
   * What the server trusts: both client certificates.
   *
   * @return the trust store
   */
  public KeyStore serverTrustStore() {
    return trustStore(CLIENT_A, CLIENT_B);
  }

  /**
   * {@link #serverTrustStore()} written to a file, e.g. for {@code server.ssl.trust-store}.
   *
   * @return the PKCS12 file, password {@link #PASSWORD}
   */
  public Path serverTrustStoreFile() {
    Path file = directory.resolve("server-trust.p12");
    try (var out = Files.newOutputStream(file)) {
      serverTrustStore().store(out, PASSWORD.toCharArray());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    return file;
  }

  /**
   * The certificate of {@code alias}.
   *
   * @param alias {@link #SERVER}, {@link #CLIENT_A} or {@link #CLIENT_B}
   * @return its certificate
   */
  public X509Certificate certificate(String alias) {
    try {
      return (X509Certificate) store(alias).getCertificate(alias);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The RFC 8705 thumbprint of a certificate: base64url of the SHA-256 of its DER, what {@code cnf.x5t#S256} holds.
   *
   * @param alias whose certificate
   * @return the thumbprint
   */
  public String thumbprint(String alias) {
    try {
      return Base64.getUrlEncoder().withoutPadding()
          .encodeToString(MessageDigest.getInstance("SHA-256").digest(certificate(alias).getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The PEM of a certificate, with a new line every 64 characters, as nginx forwards it before escaping.
   *
   * @param alias whose certificate
   * @return the PEM
   */
  public String pem(String alias) {
    try {
      return "-----BEGIN CERTIFICATE-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
              .encodeToString(certificate(alias).getEncoded())
          + "\n-----END CERTIFICATE-----\n";
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * nginx's {@code $ssl_client_escaped_cert}: the PEM, URL-encoded (spaces as %20, + as %2B, new lines as %0A).
   *
   * @param alias whose certificate
   * @return the header value a TLS-terminating nginx would forward
   */
  public String escapedPem(String alias) {
    return URLEncoder.encode(pem(alias), StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * RFC 9440's {@code Client-Cert}: the base64 DER between colons.
   *
   * @param alias whose certificate
   * @return the header value
   */
  public String rfc9440(String alias) {
    try {
      return ":" + Base64.getEncoder().encodeToString(certificate(alias).getEncoded()) + ":";
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A client TLS context presenting {@code alias}'s certificate and trusting the server's, e.g. for {@code
   * HttpClient.newBuilder().sslContext(...)}.
   *
   * @param alias the client's certificate, {@code null} for none
   * @return the context
   */
  public SSLContext clientContext(String alias) {
    try {
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trustStore(SERVER));
      SSLContext context = SSLContext.getInstance("TLS");
      if (alias == null) {
        context.init(null, trust.getTrustManagers(), null);
      } else {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store(alias), PASSWORD.toCharArray());
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
      }
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private KeyStore store(String alias) {
    return switch (alias) {
      case SERVER -> server;
      case CLIENT_A -> clientA;
      case CLIENT_B -> clientB;
      default -> throw new IllegalArgumentException(alias);
    };
  }

  private KeyStore trustStore(String... aliases) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      for (String alias : aliases) {
        trust.setCertificateEntry(alias, certificate(alias));
      }
      return trust;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Deletes the temporary directory holding the key stores. */
  @Override
  public void close() {
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // A temporary directory left behind is harmless.
    }
  }
}
