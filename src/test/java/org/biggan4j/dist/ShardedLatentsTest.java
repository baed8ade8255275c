package org.biggan4j.dist;

import org.biggan4j.config.TrainConfig;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.biggan4j.train.TrainingLatents;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class ShardedLatentsTest {

    @Test
    void eachReplicaGetsItsOwnRowsOfTheGlobalDraw() {
        NativeMemory.scoped(() -> {
            TrainingLatents global = new TrainingLatents(TrainConfig.Latent.NORMAL, 3, 5, ComputeDevice.CPU);
            Seeds.seedTorch(9);
            long[] classes = Tensors.toLongs(global.classes(6));
            float[] z = Tensors.toFloats(global.latents(6));
            for (int rank = 0; rank < 3; rank++) {
                ShardedLatents mine = new ShardedLatents(global, rank, 3);
                Seeds.seedTorch(9); // the step reseeds every replica alike
                assertArrayEquals(Arrays.copyOfRange(classes, 2 * rank, 2 * rank + 2), Tensors.toLongs(mine.classes(2)));
                assertArrayEquals(Arrays.copyOfRange(z, 6 * rank, 6 * rank + 6), Tensors.toFloats(mine.latents(2)));
            }
            return null;
        });
    }
}
