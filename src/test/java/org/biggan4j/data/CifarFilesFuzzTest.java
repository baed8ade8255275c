package org.biggan4j.data;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.biggan4j.io.Fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Mutated CIFAR batches and class-name files (issue 19): a correct read or a one-line refusal naming the file. */
class CifarFilesFuzzTest extends Fuzz.Properties {

    private static Path root;
    private static byte[] cifar10;
    private static byte[] cifar100;
    private static final byte[] NAMES = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n"
            .getBytes(StandardCharsets.UTF_8);

    @BeforeContainer
    static void validFiles() throws IOException {
        root = Files.createTempDirectory("cifar-fuzz");
        TestData.cifar(root.resolve("v10.bin"), 3, 1, 10);
        TestData.cifar(root.resolve("v100.bin"), 3, 2, 100);
        cifar10 = Files.readAllBytes(root.resolve("v10.bin"));
        cifar100 = Files.readAllBytes(root.resolve("v100.bin"));
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        Fuzz.deleteTree(root);
    }

    @Property(tries = 200, seed = "19201")
    void mutatedBatchesAreReadOrRefusedInOneLine(@ForAll("mutations") Fuzz.Mutation m, @ForAll boolean hundred,
                                                @ForAll boolean mutateNames) throws IOException {
        Path dir = Files.createDirectories(root.resolve("m"));
        try {
            if (hundred) {
                Files.write(dir.resolve("train.bin"), mutateNames ? cifar100 : Fuzz.apply(cifar100, m, 8));
            } else {
                Files.write(dir.resolve("data_batch_1.bin"), mutateNames ? cifar10 : Fuzz.apply(cifar10, m, 8));
                Files.write(dir.resolve("batches.meta.txt"), mutateNames ? Fuzz.apply(NAMES, m, NAMES.length) : NAMES);
            }
            Fuzz.readOrRefused(dir, m, () -> DataFuzzSupport.touchAll(
                    CifarFiles.read(dir, DataOptions.Split.ALL, null)));
        } finally {
            Fuzz.deleteTree(dir);
        }
    }

    @Property(tries = 4, seed = "19202")
    void theUnmutatedBatchReads(@ForAll boolean hundred) throws IOException {
        Path dir = Files.createDirectories(root.resolve("ok"));
        try {
            Files.write(dir.resolve(hundred ? "train.bin" : "data_batch_1.bin"), hundred ? cifar100 : cifar10);
            ArrayImages a = CifarFiles.read(dir, DataOptions.Split.ALL, null);
            assertEquals(3, a.count());
            assertEquals(2, a.label(2));
        } finally {
            Fuzz.deleteTree(dir);
        }
    }
}
