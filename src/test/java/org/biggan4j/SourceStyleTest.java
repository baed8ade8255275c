package org.biggan4j;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dependencies show in the import block: code names our own classes and the JDK's common ones by
 * their simple names, so a reader (and a reviewer of the layering) sees every edge at the top of
 * the file. Comments and Javadoc may spell names out.
 */
class SourceStyleTest {

    /** A qualified class name in code: a package path of our own or the JDK's, then a capital. */
    static final Pattern INLINE_NAME = Pattern.compile("\\b(org\\.biggan4j|java\\.(util|io|nio|time|net|lang))"
            + "\\.[a-z0-9_.]*[A-Z]");
    private static final Pattern STRING = Pattern.compile("\"(\\\\.|[^\"\\\\])*\"");

    /** The lines of {@code source} that use a qualified name in code, as "line: text". */
    static List<String> inlineNames(List<String> source) {
        List<String> found = new ArrayList<>();
        boolean inComment = false;
        for (int i = 0; i < source.size(); i++) {
            String line = source.get(i).strip();
            if (inComment) {
                inComment = !line.contains("*/");
                continue;
            }
            if (line.startsWith("/*")) {
                inComment = !line.contains("*/");
                continue;
            }
            if (line.startsWith("import ") || line.startsWith("package ") || line.startsWith("*")
                    || line.startsWith("//")) {
                continue;
            }
            String code = STRING.matcher(line).replaceAll("\"\"");
            int comment = code.indexOf("//");
            if (comment >= 0) {
                code = code.substring(0, comment);
            }
            if (INLINE_NAME.matcher(code).find()) {
                found.add((i + 1) + ": " + line);
            }
        }
        return found;
    }

    @Test
    void codeUsesImportsNotQualifiedNames() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (String root : List.of("src/main/java", "src/test/java")) {
            try (Stream<Path> files = Files.walk(Path.of(root))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                    for (String hit : inlineNames(Files.readAllLines(f))) {
                        offenders.add(f + ":" + hit);
                    }
                }
            }
        }
        assertTrue(offenders.isEmpty(), "qualified names in code (import them):\n" + String.join("\n", offenders));
    }

    @Test
    void theCheckSeesCodeAndIgnoresCommentsAndStrings() {
        List<String> source = List.of(
                "package org.biggan4j.x;",
                "import java.util.List;",
                "/** Uses {@link org.biggan4j.io.Npy}. */",
                "/*",
                " * java.util.Map in a block comment",
                " */",
                "class A {",
                "    String s = \"org.biggan4j.io.Npy\"; // org.biggan4j.io.Npy in a comment",
                "    Object o = new java.util.ArrayList<>();",
                "    void f() { org.biggan4j.io.AtomicFiles.writeBytes(null, null); }",
                "}");
        List<String> hits = inlineNames(source);
        assertEquals(2, hits.size(), hits.toString());
        assertTrue(hits.get(0).startsWith("9: ") && hits.get(1).startsWith("10: "), hits.toString());
    }
}
