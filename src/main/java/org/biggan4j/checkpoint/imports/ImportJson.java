package org.biggan4j.checkpoint.imports;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.io.BadInputException;
import org.biggan4j.io.BoundedReads;
import org.biggan4j.io.InputLimits;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads the small JSON files that describe imported weights ({@code config.json},
 * {@code generator_args.json}) on no trust: the size through {@link BoundedReads#smallFile},
 * the nesting through Jackson's stream constraints set from {@link InputLimits}, and every
 * refusal a one-line {@link CheckpointException} naming the file.
 */
final class ImportJson {

    private ImportJson() {
    }

    /**
     * The JSON object in {@code file}.
     *
     * @param what what the file should be, for the fix in messages (e.g. "pytorch-pretrained-BigGAN's config.json")
     */
    static JsonNode readObject(Path file, String what) {
        byte[] bytes;
        try {
            bytes = BoundedReads.smallFile(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": does not exist; give " + what + ".", e);
        } catch (BadInputException e) {
            throw new CheckpointException(e.getMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot be read (" + shortened(String.valueOf(e.getMessage()))
                    + "); check the file and its permissions.", e);
        }
        JsonNode root;
        try {
            JsonFactory factory = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(InputLimits.current().nestingDepth()).build()).build();
            root = new ObjectMapper(factory).readTree(bytes);
        } catch (StreamConstraintsException e) {
            throw new CheckpointException(file + ": nests deeper than the limit of "
                    + InputLimits.current().nestingDepth() + " or holds an overlong value; give " + what + ".", e);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ": ";
            throw new CheckpointException(file + ": is not valid JSON (" + where + shortened(String.valueOf(
                    e.getOriginalMessage()).lines().findFirst().orElse("")) + "); give " + what + ".", e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot be read (" + shortened(String.valueOf(e.getMessage()))
                    + "); check the file.", e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file + ": must hold a JSON object; give " + what + ".");
        }
        return root;
    }

    /** A value from the file, short and on one line, for messages. */
    static String shortened(Object value) {
        String oneLine = String.valueOf(value).replaceAll("[\\r\\n\\t]", " ");
        return oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 57) + "...";
    }
}
