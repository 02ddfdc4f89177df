package dev.tokengate.internal.jwks;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokengate.internal.log.OperatorLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The last good JWKS of each issuer on disk ({@code jwks-snapshot-directory}), so that an instance restarted while its
 * key server is down can still check tokens. Written after every successful fetch, atomically (a temporary file in the
 * same directory, then an atomic rename), so that a reader never sees half a file; read only at start-up, and only
 * when the live fetch failed. A snapshot holds public keys only (what the JWKS published), plus the time it was
 * fetched, so that {@code jwks-max-staleness} counts from the fetch, not from the restart.
 */
public final class KeySnapshots {
  // Key-server trouble reaches the container's log even when no SLF4J provider is bound.
  private static final OperatorLog log = OperatorLog.forClass(KeySnapshots.class);
  private static final String FORMAT = "tokengate-jwks-snapshot/1";

  /** A saved JWKS document, when it was fetched, and the {@code max-age} it came with. */
  public record Snapshot(String jwks, long fetchedAtMillis, Optional<Duration> maxAge) {}

  private final Path directory;
  private volatile boolean writeFailureLogged;

  public KeySnapshots(Path directory) {
    this.directory = directory;
  }

  /** The file of an issuer: a hash of its URL, so that any issuer string makes a safe file name. */
  Path fileOf(String issuer) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(issuer.getBytes(StandardCharsets.UTF_8));
      return directory.resolve("jwks-" + HexFormat.of().formatHex(digest, 0, 16) + ".json");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Saves the JWKS just fetched; a failure is logged (once) and otherwise ignored: serving comes first. */
  public void write(String issuer, String jwks, long fetchedAtMillis, Optional<Duration> maxAge) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("format", FORMAT);
    json.put("issuer", issuer);
    json.put("fetchedAt", fetchedAtMillis);
    maxAge.ifPresent(age -> json.put("maxAgeSeconds", age.toSeconds()));
    json.put("jwks", jwks);
    Path target = fileOf(issuer);
    Path temporary = null;
    try {
      Files.createDirectories(directory);
      temporary = Files.createTempFile(directory, ".jwks-", ".tmp");
      Files.writeString(temporary, JSONObjectUtils.toJSONString(json), StandardCharsets.UTF_8);
      try {
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
      }
      writeFailureLogged = false;
    } catch (IOException | RuntimeException e) {
      if (!writeFailureLogged) {
        writeFailureLogged = true;
        log.warn("Cannot save the signing keys of issuer {} to {}: {}", issuer, target, e.toString());
      }
      if (temporary != null) {
        try {
          Files.deleteIfExists(temporary);
        } catch (IOException ignored) {
          // Left for the next write's directory listing to not care about: the name says it is temporary.
        }
      }
    }
  }

  /** The saved snapshot of {@code issuer}; empty (with a WARN when one exists but is corrupt or foreign). */
  public Optional<Snapshot> read(String issuer) {
    Path file = fileOf(issuer);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      log.warn("Ignoring the saved keys of issuer {} in {}: {}", issuer, file, e.toString());
      return Optional.empty();
    }
    try {
      Map<String, Object> json = JSONObjectUtils.parse(text);
      if (!FORMAT.equals(json.get("format"))) {
        throw new ParseException("not a tokengate key snapshot", 0);
      }
      if (!issuer.equals(json.get("issuer"))) {
        throw new ParseException("saved for issuer '" + json.get("issuer") + "'", 0);
      }
      if (!(json.get("fetchedAt") instanceof Number fetchedAt) || !(json.get("jwks") instanceof String jwks)) {
        throw new ParseException("fetchedAt or jwks missing", 0);
      }
      Optional<Duration> maxAge = json.get("maxAgeSeconds") instanceof Number seconds
          ? Optional.of(Duration.ofSeconds(seconds.longValue())) : Optional.empty();
      return Optional.of(new Snapshot(jwks, fetchedAt.longValue(), maxAge));
    } catch (ParseException | RuntimeException e) {
      log.warn("Ignoring the saved keys of issuer {} in {}: {}", issuer, file, e.getMessage());
      return Optional.empty();
    }
  }
}
