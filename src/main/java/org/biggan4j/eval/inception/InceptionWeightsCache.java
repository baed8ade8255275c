package org.biggan4j.eval.inception;

import org.biggan4j.io.AtomicFiles;
import org.biggan4j.io.BadInputException;
import org.biggan4j.io.UserCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * pytorch-fid's published FID Inception weights, downloaded once into the user cache and
 * verified by SHA-256 every time they are used.
 *
 * <p>The download goes to a temporary file beside the cache entry and becomes the entry only
 * when all its bytes arrived and their SHA-256 is the pinned one; an interrupted download, a
 * wrong length or a wrong hash leaves no entry behind (see {@link AtomicFiles}). A cached file
 * whose hash no longer matches (a damaged disk, a truncated copy by hand) is downloaded again.
 * Every failure is one line that says where to put the file on a machine without network.
 */
public final class InceptionWeightsCache {

    /** The file pytorch-fid publishes (Apache-2.0), as its own code fetches it. */
    public static final URI PUBLISHED_URL = URI.create(
            "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth");
    /** Its name; the suffix is the first 8 hex digits of its SHA-256 (torch.hub's convention). */
    public static final String FILE_NAME = "pt_inception-2015-12-05-6726825d.pth";
    /**
     * Its SHA-256. Not computed here (this project's machines have no route to GitHub): taken from
     * a public project's notes that record the SHA-256 of torch-fidelity's copy of the same 2015
     * weights, {@code weights-inception-2015-12-05-6726825d.pth}, whose first 8 digits are the
     * published prefix of this file (README, "FID with the Inception network").
     */
    public static final String PUBLISHED_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2";
    /** Refuse a download larger than this (the published file is about 91 MiB). */
    static final long MAX_BYTES = 512L << 20;

    private static final Logger LOG = LoggerFactory.getLogger(InceptionWeightsCache.class);

    /** Told how a download advances, for a progress bar. */
    public interface Progress {
        /** Reports nothing. */
        Progress NONE = new Progress() {
        };

        /** The download starts; {@code totalBytes} is -1 when the server does not say. */
        default void started(long totalBytes) {
        }

        /** {@code bytes} more arrived. */
        default void advanced(long bytes) {
        }
    }

    private final Path directory;
    private final URI url;
    private final String sha256;

    /** A cache in {@code directory} for the file at {@code url} with SHA-256 {@code sha256} (hex). */
    public InceptionWeightsCache(Path directory, URI url, String sha256) {
        this.directory = directory.toAbsolutePath().normalize();
        this.url = url;
        this.sha256 = sha256.toLowerCase(Locale.ROOT);
    }

    /** The published file in {@code $XDG_CACHE_HOME/biggan4j/inception} (or {@code ~/.cache/...}). */
    public static InceptionWeightsCache atDefaultLocation() {
        return new InceptionWeightsCache(UserCache.folder("inception"), PUBLISHED_URL, PUBLISHED_SHA256);
    }

    /** Where the verified file lives once downloaded. */
    public Path file() {
        return directory.resolve(FILE_NAME);
    }

    /**
     * The verified weight file: the cached one when its hash matches, else a fresh download.
     *
     * @throws BadInputException one line, for no network, an HTTP error, an interrupted download or
     *                           a wrong hash; nothing is cached then
     */
    public Path obtain(Progress progress) {
        Path file = file();
        if (Files.isRegularFile(file)) {
            String actual = sha256Of(file);
            if (actual.equals(sha256)) {
                return file;
            }
            LOG.warn("{} has SHA-256 {}, not {}; downloading it again.", file, actual, sha256);
        }
        download(progress);
        return file;
    }

    private void download(Progress progress) {
        Path file = file();
        String offline = "on a machine without network, download " + url + " elsewhere and put it at " + file
                + ", or pass --inception-weights FILE";
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(url).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new BadInputException(url + ": the server answered HTTP " + response.statusCode()
                            + " instead of the FID Inception weights; " + offline + ".");
                }
                long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (total > MAX_BYTES) {
                    throw new BadInputException(url + ": the server offers " + total + " bytes, far more than the FID "
                            + "Inception weights (about 91 MiB); " + offline + ".");
                }
                progress.started(total);
                MessageDigest digest = sha256Digest();
                // The hash is checked before the rename, so a wrong file never becomes the entry.
                AtomicFiles.write(file, out -> {
                    copy(new DigestInputStream(body, digest), out, total, progress);
                    String actual = HexFormat.of().formatHex(digest.digest());
                    if (!actual.equals(sha256)) {
                        throw new BadInputException(url + ": the downloaded file's SHA-256 is " + actual + ", not the "
                                + "published " + sha256 + "; nothing was cached (if pytorch-fid has re-published its "
                                + "weights, download them yourself and pass --inception-weights FILE).");
                    }
                });
            }
        } catch (IOException e) {
            throw new BadInputException(url + " could not be downloaded (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage().replace('\n', ' ')) + "); " + offline + ".", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BadInputException(url + ": the download was interrupted; nothing was cached.", e);
        }
    }

    /** Copies the body, refusing more than {@link #MAX_BYTES} or a body shorter than announced. */
    private static void copy(InputStream in, OutputStream out, long total, Progress progress) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long copied = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            copied += n;
            if (copied > MAX_BYTES) {
                throw new IOException("more than " + MAX_BYTES + " bytes");
            }
            out.write(buffer, 0, n);
            progress.advanced(n);
        }
        if (total >= 0 && copied != total) {
            throw new IOException("the connection ended after " + copied + " of " + total + " bytes");
        }
    }

    /** Hashes already computed in this process, by file, size and modification time. */
    private static final Map<String, String> HASHES = new ConcurrentHashMap<>();

    /**
     * The SHA-256 of a file, hex. Remembered for the process while the file's size and
     * modification time stay the same: a run verifies the 91 MiB weights when it finds them and
     * names them by hash in the reference-cache key, and reads them once for both.
     */
    public static String sha256Of(Path file) {
        String key;
        try {
            key = file.toAbsolutePath().normalize() + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot be read (" + e.getMessage() + "); check its permissions.", e);
        }
        return HASHES.computeIfAbsent(key, k -> hash(file));
    }

    private static String hash(Path file) {
        MessageDigest digest = sha256Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot be read (" + e.getMessage() + "); check its permissions.", e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime has SHA-256.", e);
        }
    }
}
