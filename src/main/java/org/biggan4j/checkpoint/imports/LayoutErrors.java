package org.biggan4j.checkpoint.imports;

import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.config.TrainConfig;
import org.biggan4j.io.BadInputException;

import java.util.Arrays;
import java.util.function.Supplier;

/** The one-line errors both importers give for a key that does not fit the target generator. */
final class LayoutErrors {

    private LayoutErrors() {
    }

    /** A key the generator has no tensor for; {@code hint} says what the file probably is. */
    static CheckpointException unexpected(String source, String key, long[] shape, String generator, String hint) {
        return new CheckpointException(source + ": unexpected key '" + ImportJson.shortened(key) + "' " + Arrays.toString(shape)
                + ": the " + generator + " has no tensor of that name (expected shape: none)." + hint);
    }

    /** A key whose shape differs from the generator's; {@code described} names what described the generator. */
    static CheckpointException wrongShape(String source, String key, long[] have, long[] want, String generator,
                                          String described) {
        return new CheckpointException(source + ": key '" + key + "' has shape " + Arrays.toString(have)
                + " but the " + generator + " expects " + Arrays.toString(want)
                + ": the file and " + described + " describe different generators.");
    }

    /** A key the generator needs that the file lacks. */
    static CheckpointException missing(String source, String key, long[] want, String generator) {
        return new CheckpointException(source + " lacks key '" + key + "' (found shape none, expected "
                + Arrays.toString(want) + ") that the " + generator
                + " needs: the file is incomplete or for another architecture.");
    }

    /**
     * The biggan4j configuration an imported description turns into; a description that passes
     * the importer's own checks but not biggan4j's validation is still refused naming the file.
     */
    static TrainConfig config(Object source, Supplier<TrainConfig> build) {
        try {
            return build.get();
        } catch (BadInputException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(source + ": describes a generator biggan4j cannot build ("
                    + ImportJson.shortened(e.getMessage()) + "); check the file's settings.", e);
        }
    }
}
