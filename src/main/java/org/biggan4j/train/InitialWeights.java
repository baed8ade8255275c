package org.biggan4j.train;

import org.biggan4j.checkpoint.CheckpointData;
import org.biggan4j.checkpoint.CheckpointFile;
import org.biggan4j.checkpoint.StateDict;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fine-tuning ({@code biggan4j train --init CKPT}): a new run starts from the generator of
 * another checkpoint (a trained run, an imported published model) instead of random weights;
 * G and G_ema both take those weights, and D takes the checkpoint's D when it has one, else
 * keeps its fresh initialisation. Optimiser state, schedules and the data position start anew.
 *
 * <p>When the new data have another number of classes than the checkpoint, the class-dependent
 * tensors (those with a dimension equal to the checkpoint's class count where the model has the
 * new count: embeddings, projections) keep their fresh initialisation; every other tensor must
 * match in name and shape, or the run stops with one line naming it.
 */
public final class InitialWeights {

    /** What was loaded, for the log and the run's first line. */
    public record Report(String generatorGroup, boolean discriminator, List<String> reinitialised) {
    }

    private InitialWeights() {
    }

    public static Report apply(TrainingSession session, Path checkpoint) {
        return NativeMemory.scoped(() -> {
            CheckpointData data = CheckpointFile.read(checkpoint, session.device());
            // The weights training left are G's; a published import has only "generator".
            String gGroup = data.tensorGroups().containsKey("generator") ? "generator" : "generator_ema";
            Map<String, Tensor> g = data.group(gGroup, checkpoint.toString());
            long oldClasses = storedClasses(data);
            long newClasses = session.generator().numClasses();
            List<String> fresh = new ArrayList<>();
            load(session.generator(), g, oldClasses, newClasses, checkpoint + ": " + gGroup, fresh);
            if (session.generatorEma() != null) {
                load(session.generatorEma(), g, oldClasses, newClasses, checkpoint + ": " + gGroup, new ArrayList<>());
            }
            boolean withD = data.tensorGroups().containsKey("discriminator");
            if (withD) {
                load(session.discriminator(), data.tensorGroups().get("discriminator"), oldClasses, newClasses,
                        checkpoint + ": discriminator", fresh);
            }
            return new Report(gGroup, withD, fresh);
        });
    }

    private static long storedClasses(CheckpointData data) {
        var model = data.state().model();
        return model == null ? -1 : model.classes();
    }

    /**
     * Copies {@code source} into {@code module}: tensors that differ only where the class count
     * changed keep the module's values; anything else that does not fit is an error.
     */
    static void load(Module module, Map<String, Tensor> stored, long oldClasses, long newClasses, String what,
                     List<String> fresh) {
        Map<String, Tensor> merged = new LinkedHashMap<>();
        Map<String, Tensor> ownState = StateDict.of(module);
        Map<String, Tensor> source = withRunningStatistics(stored, ownState);
        ownState.forEach((name, own) -> {
            Tensor theirs = source.get(name);
            if (theirs != null && !Arrays.equals(Tensors.shape(theirs), Tensors.shape(own))
                    && classDependent(Tensors.shape(theirs), Tensors.shape(own), oldClasses, newClasses)) {
                fresh.add(name);
                merged.put(name, own); // keeps its fresh values (copy_ onto itself)
            } else if (theirs != null) {
                merged.put(name, theirs);
            }
        });
        source.forEach(merged::putIfAbsent);
        StateDict.load(module, merged, what); // names the first missing, unexpected or mis-shaped tensor
    }

    /**
     * A published BigGAN-deep's BatchNorm layers hold statistics tables indexed by the sampling
     * truncation ({@code running_means}, {@code running_vars}, {@code [rows, C]}); a run that trains
     * the model uses ordinary running statistics instead (training updates them, and standing
     * statistics apply), see {@code RunFolder}. Where {@code own} has {@code running_mean} and the
     * source the table, the table's last row, the statistics of untruncated z (truncation 1, which
     * is what training draws), becomes the running statistics; the batch counter keeps its fresh
     * value. Everything else passes through unchanged.
     */
    static Map<String, Tensor> withRunningStatistics(Map<String, Tensor> source, Map<String, Tensor> own) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        source.forEach((name, tensor) -> {
            String prefix = name.endsWith(".running_means") ? name.substring(0, name.length() - "running_means".length())
                    : name.endsWith(".running_vars") ? name.substring(0, name.length() - "running_vars".length()) : null;
            if (prefix == null || !own.containsKey(prefix + "running_mean")) {
                out.put(name, tensor);
                return;
            }
            String single = name.endsWith(".running_means") ? prefix + "running_mean" : prefix + "running_var";
            out.put(single, tensor.select(0, tensor.size(0) - 1));
            if (own.containsKey(prefix + "num_batches")) {
                out.putIfAbsent(prefix + "num_batches", own.get(prefix + "num_batches"));
            }
        });
        return out;
    }

    /** Whether two shapes differ exactly in dimensions where the old shape has the old class count and ours the new. */
    static boolean classDependent(long[] theirs, long[] ours, long oldClasses, long newClasses) {
        if (oldClasses < 0 || oldClasses == newClasses || theirs.length != ours.length) {
            return false;
        }
        for (int i = 0; i < theirs.length; i++) {
            if (theirs[i] != ours[i] && !(theirs[i] == oldClasses && ours[i] == newClasses)) {
                return false;
            }
        }
        return true;
    }

    /** One line for the log. */
    public static String describe(Report r, Path checkpoint) {
        return "Initialised from " + checkpoint + ": G and G_ema from '" + r.generatorGroup() + "', D "
                + (r.discriminator() ? "from its discriminator" : "fresh (the checkpoint has none)")
                + (r.reinitialised().isEmpty() ? "" : "; class-dependent tensors fresh for the new classes: "
                + String.join(", ", r.reinitialised()));
    }
}
