package org.biggan4j.model;

import org.biggan4j.model.zoo.Models;
import org.biggan4j.config.ConfigLoader;
import org.biggan4j.model.mlp.MlpDiscriminator;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** regularizers.dropout_d: dropout before D's final layer, in training mode only. */
class DiscriminatorDropoutTest {

    private static Discriminator build(String preset, String... overrides) {
        var config = ConfigLoader.load(preset, List.of(overrides));
        return Models.discriminator(Models.spec(config.model(), false, 3, 3), ComputeDevice.CPU);
    }

    /** Scores of the same batch: train-mode twice, eval-mode, all with and without dropout. */
    private static void dropoutActsInTrainingOnly(Discriminator d, long resolution, boolean conditional) {
        NativeMemory.scoped(() -> {
            try (NoGradGuard ng = new NoGradGuard()) {
                Seeds.seedTorch(2);
                Tensor x = Tensors.randn(ComputeDevice.CPU, 4, 3, resolution, resolution);
                Tensor y = conditional ? Tensors.fromLongs(new long[] {0, 1, 2, 0}, ComputeDevice.CPU, 4) : null;
                d.setDropout(0);
                d.train(true);
                Tensor plain = d.forward(x, y);
                assertTrue(torch.equal(plain, d.forward(x, y)), "without dropout D is deterministic");
                d.setDropout(0.5);
                Tensor first = d.forward(x, y);
                Tensor second = d.forward(x, y);
                assertFalse(torch.equal(first, plain), "dropout changes training-mode scores");
                assertFalse(torch.equal(first, second), "a fresh mask each forward");
                d.train(false);
                assertTrue(torch.allclose(d.forward(x, y), plain, 1e-6, 1e-6, false), "no dropout in eval mode");
            }
        });
    }

    @Test
    void dropoutIsActiveInTrainModeAndNotInEvalModeForEveryDiscriminator() {
        Seeds.seedTorch(1);
        // Spectral norm and BatchNorm off: they too make training-mode scores differ between calls or
        // from eval-mode ones.
        dropoutActsInTrainingOnly(build("biggan-cifar", "model.ch=2", "model.spectral_norm_d=false"), 32, true);
        dropoutActsInTrainingOnly(build("biggan-deep-128", "model.resolution=64", "model.ch=2", "model.attention=[]",
                "model.spectral_norm_d=false"), 64, true);
        dropoutActsInTrainingOnly(build("dcgan", "model.ch=4", "model.conditional=true", "model.dcgan_critic_batch_norm=false"), 32, true);
        MlpDiscriminator mlp = new MlpDiscriminator(3 * 2 * 2, 16, 1);
        dropoutActsInTrainingOnly(mlp, 2, false);
        assertThrows(IllegalArgumentException.class, () -> mlp.setDropout(1.0));
    }

    @Test
    void theConfigurationRefusesDropoutWithoutAFinalLinearLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load("ebgan",
                List.of("regularizers.dropout_d=0.2")));
        assertTrue(e.getMessage().contains("regularizers.dropout_d"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load("dcgan",
                List.of("regularizers.dropout_d=1")));
    }
}
