package org.biggan4j.eval.classifier;

import org.biggan4j.checkpoint.CheckpointException;
import org.biggan4j.checkpoint.SafeTensors;
import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.io.AtomicFiles;
import org.biggan4j.tensor.ComputeDevice;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained {@link SmallConvClassifier} as one safetensors file whose metadata records what it
 * was trained on (channels, classes, class names, test accuracy, data), so a metric can say
 * exactly which feature network produced it.
 */
public final class ClassifierFile {

    /** The Fashion-MNIST classifier shipped in the jar (trained by {@code biggan4j train-classifier}). */
    public static final String BUNDLED_FASHION_MNIST = "/org/biggan4j/eval/fashion-mnist-classifier.safetensors";

    /** A loaded classifier and its metadata. */
    public record Loaded(SmallConvClassifier model, Map<String, String> metadata) {
        public List<String> classNames() {
            String names = metadata.getOrDefault("class_names", "");
            return names.isEmpty() ? List.of() : Arrays.asList(names.split("\n"));
        }
    }

    private ClassifierFile() {
    }

    /** Writes {@code model} with {@code metadata} atomically. */
    public static void save(SmallConvClassifier model, Map<String, String> metadata, Path file) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("format", "biggan4j-classifier");
        meta.put("channels", String.valueOf(model.channels()));
        meta.put("classes", String.valueOf(model.classes()));
        AtomicFiles.write(file, out -> SafeTensors.write(out, StateDict.of(model), meta));
    }

    /** Reads a classifier file onto {@code device}, in eval mode. */
    public static Loaded load(Path file, ComputeDevice device) {
        try {
            return fromBytes(Files.readAllBytes(file), device, file.toString());
        } catch (IOException e) {
            throw new CheckpointException("Could not read classifier " + file + ": " + e.getMessage(), e);
        }
    }

    /** The bundled Fashion-MNIST classifier. */
    public static Loaded fashionMnist(ComputeDevice device) {
        try (InputStream in = ClassifierFile.class.getResourceAsStream(BUNDLED_FASHION_MNIST)) {
            if (in == null) {
                throw new CheckpointException("The bundled Fashion-MNIST classifier is missing from the jar.");
            }
            return fromBytes(in.readAllBytes(), device, "bundled Fashion-MNIST classifier");
        } catch (IOException e) {
            throw new CheckpointException("Could not read the bundled classifier: " + e.getMessage(), e);
        }
    }

    private static Loaded fromBytes(byte[] bytes, ComputeDevice device, String source) {
        SafeTensors.Contents c = SafeTensors.read(bytes, device, source);
        Map<String, String> meta = c.metadata();
        if (!"biggan4j-classifier".equals(meta.get("format"))) {
            throw new CheckpointException(source + " is not a biggan4j classifier file.");
        }
        SmallConvClassifier model = new SmallConvClassifier(Integer.parseInt(meta.get("channels")),
                Integer.parseInt(meta.get("classes")));
        if (device.isCuda()) {
            model.to(device.torchDevice(), false);
        }
        StateDict.load(model, c.tensors(), source);
        model.eval();
        return new Loaded(model, meta);
    }
}
