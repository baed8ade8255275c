package org.biggan4j.data;

import org.biggan4j.io.BadInputException;
import org.biggan4j.io.BoundedReads;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Small text files of the data readers (labels files, class-name lists), read with bounds. */
final class TextFiles {

    private TextFiles() {
    }

    /**
     * The lines of {@code file}, which must be UTF-8 text of at most
     * {@link org.biggan4j.io.InputLimits#textBytes()} bytes: the size is checked before the file is
     * read, so a multi-GB (or sparse) file given as a labels file is refused, not read whole.
     */
    static List<String> lines(Path file) throws IOException {
        byte[] bytes = BoundedReads.smallFile(file);
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            return text.lines().toList();
        } catch (CharacterCodingException e) {
            throw BadInputException.of(file, "not UTF-8 text", "save it as UTF-8 (one entry per line)");
        }
    }
}
