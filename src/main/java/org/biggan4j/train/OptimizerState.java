package org.biggan4j.train;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Optimizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An optimiser's state (Adam's moments and step counts, RMSProp's square averages) as bytes,
 * in libtorch's own archive format, so checkpoints can carry it and a resumed run continues
 * with exactly the same updates. The archive holds tensors only; reading it runs no code.
 */
public final class OptimizerState {

    private OptimizerState() {
    }

    /** Serialises {@code optimizer}'s state. */
    public static byte[] toBytes(Optimizer optimizer) {
        try {
            // OutputArchive writes to a path or a C++ writer callback; a temp file is the simplest
            // route from Java and costs one small write per checkpoint.
            Path tmp = Files.createTempFile("biggan4j-optim", ".pt");
            try {
                OutputArchive archive = new OutputArchive();
                optimizer.save(archive);
                archive.save_to(tmp.toString());
                return Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not serialise optimiser state: " + e.getMessage(), e);
        }
    }

    /** Restores state written by {@link #toBytes} into an optimiser over the same parameters. */
    public static void load(Optimizer optimizer, byte[] bytes, String source) {
        InputArchive archive = new InputArchive();
        try (BytePointer data = new BytePointer(bytes)) {
            archive.load_from(data, bytes.length);
            optimizer.load(archive);
        } catch (RuntimeException e) {
            throw new org.biggan4j.checkpoint.CheckpointException(source
                    + ": the optimiser state does not match this model's parameters (" + e.getMessage()
                    .lines().findFirst().orElse("") + ").", e);
        }
    }
}
