package org.biggan4j.eval.reference;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Short strings that change when a file, a folder of data or a bundled resource changes: the
 * parts of a {@link ReferenceKey}.
 */
public final class Fingerprints {

    private Fingerprints() {
    }

    /** SHA-256 of a file's bytes, hex. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return digest(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file + " to fingerprint it: " + e.getMessage(), e);
        }
    }

    /** SHA-256 of a classpath resource's bytes, hex. */
    public static String sha256Resource(String resource) {
        try (InputStream in = Fingerprints.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Resource " + resource + " is missing from the jar.");
            }
            return digest(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read resource " + resource + ": " + e.getMessage(), e);
        }
    }

    /** SHA-256 of a string's UTF-8 bytes, hex. */
    public static String sha256(String text) {
        return HexFormat.of().formatHex(sha256Digest().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A dataset on disk: its absolute path and, for the file or every regular file below the
     * folder (hidden ones included, in name order), the relative name, size and modification
     * time. Cheap even for large image trees (no file is read), and it changes when a file is
     * added, removed, replaced or touched.
     */
    public static String dataset(Path path) {
        Path root = path.toAbsolutePath().normalize();
        List<String> lines = new ArrayList<>();
        try {
            if (Files.isDirectory(root)) {
                try (Stream<Path> walk = Files.walk(root)) {
                    for (Path p : walk.sorted().toList()) {
                        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                        if (a.isRegularFile()) {
                            lines.add(root.relativize(p) + "\t" + a.size() + "\t" + a.lastModifiedTime().toMillis());
                        }
                    }
                }
            } else {
                BasicFileAttributes a = Files.readAttributes(root, BasicFileAttributes.class);
                lines.add(root.getFileName() + "\t" + a.size() + "\t" + a.lastModifiedTime().toMillis());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list " + root + " to fingerprint it: " + e.getMessage(), e);
        }
        return "path " + root + " files " + lines.size() + " listing-sha256 " + sha256(String.join("\n", lines));
    }

    /** Bundled resources (data shipped in the jar): their names and the SHA-256 of their bytes. */
    public static String resources(String... names) {
        StringBuilder b = new StringBuilder("classpath");
        for (String name : names) {
            b.append(' ').append(name).append(" sha256 ").append(sha256Resource(name));
        }
        return b.toString();
    }

    private static String digest(InputStream in) throws IOException {
        MessageDigest md = sha256Digest();
        try (DigestInputStream d = new DigestInputStream(in, md)) {
            d.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM lacks SHA-256, which every Java platform must provide.", e);
        }
    }
}
