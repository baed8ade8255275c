package org.biggan4j.tensor;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SampleNoiseTest {

    private static final long[] SHAPE = {3, 2, 4, 4};

    /** What replica {@code rank} of {@code world} draws with {@code draw} after the shared seed. */
    private static float[] drawnBy(int rank, int world, Supplier<Tensor> draw) {
        return NativeMemory.scoped(() -> {
            Seeds.seedTorch(17);
            try (SampleNoise.Scope s = SampleNoise.shardRows(rank, world)) {
                return Tensors.toFloats(draw.get().contiguous());
            }
        });
    }

    /** The generator's next draw after {@code draw} ran sharded as replica {@code rank}. */
    private static float[] nextAfter(int rank, Supplier<Tensor> draw) {
        return NativeMemory.scoped(() -> {
            Seeds.seedTorch(17);
            try (SampleNoise.Scope s = SampleNoise.shardRows(rank, 2)) {
                draw.get();
            }
            return Tensors.toFloats(torch.randn(5));
        });
    }

    private static float[] rows(float[] all, int from, int count, int rowSize) {
        float[] out = new float[count * rowSize];
        System.arraycopy(all, from * rowSize, out, 0, out.length);
        return out;
    }

    @Test
    void shardsAreTheirRowsOfOneDrawForTheGlobalBatchAndLeaveTheGeneratorsAlike() {
        Supplier<Tensor> uniform = () -> SampleNoise.rand(SHAPE, ComputeDevice.CPU.options(torch.ScalarType.Float));
        float[] global = NativeMemory.scoped(() -> {
            Seeds.seedTorch(17);
            return Tensors.toFloats(torch.rand(new long[] {6, 2, 4, 4}, ComputeDevice.CPU.options(torch.ScalarType.Float)));
        });
        int row = 2 * 4 * 4;
        assertArrayEquals(rows(global, 0, 3, row), drawnBy(0, 2, uniform));
        assertArrayEquals(rows(global, 3, 3, row), drawnBy(1, 2, uniform));
        assertArrayEquals(nextAfter(0, uniform), nextAfter(1, uniform), "generators advance alike on every replica");

        Supplier<Tensor> gaussian = () -> SampleNoise.randnLike(torch.zeros(SHAPE));
        float[] globalNormal = NativeMemory.scoped(() -> {
            Seeds.seedTorch(17);
            return Tensors.toFloats(torch.randn(6, 2, 4, 4));
        });
        assertArrayEquals(rows(globalNormal, 3, 3, row), drawnBy(1, 2, gaussian));
        assertArrayEquals(nextAfter(0, gaussian), nextAfter(1, gaussian));
    }

    @Test
    void unshardedDrawsAreLibtorchsOwn() {
        float[] mine = NativeMemory.scoped(() -> {
            Seeds.seedTorch(5);
            return Tensors.toFloats(SampleNoise.rand(SHAPE, ComputeDevice.CPU.options(torch.ScalarType.Float)));
        });
        float[] theirs = NativeMemory.scoped(() -> {
            Seeds.seedTorch(5);
            return Tensors.toFloats(torch.rand(SHAPE, ComputeDevice.CPU.options(torch.ScalarType.Float)));
        });
        assertArrayEquals(theirs, mine);
    }

    @Test
    void shardedDropoutMasksDifferPerReplicaAndDrawAsLibtorchsDropout() {
        double p = 0.5;
        Supplier<Tensor> dropout = () -> SampleNoise.dropout(torch.ones(64, 32), p);
        float[] first = drawnBy(0, 2, dropout);
        float[] second = drawnBy(1, 2, dropout);
        assertFalse(Arrays.equals(first, second), "replicas drop different units");
        int kept = 0;
        for (float v : first) {
            assertTrue(v == 0f || v == 2f, "inverted dropout keeps 1 / (1 - p) = 2, got " + v);
            kept += v == 2f ? 1 : 0;
        }
        assertEquals(0.5, kept / (double) first.length, 0.05, "about 1 - p of the units are kept");
        assertArrayEquals(nextAfter(0, dropout), nextAfter(1, dropout));

        // A lone shard draws the mask libtorch's CPU dropout draws, from the same generator state.
        float[] lone = drawnBy(0, 1, dropout);
        float[] libtorch = NativeMemory.scoped(() -> {
            Seeds.seedTorch(17);
            return Tensors.toFloats(torch.dropout(torch.ones(64, 32), p, true));
        });
        assertArrayEquals(libtorch, lone);
    }

    @Test
    void aBadShardOrANestedOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SampleNoise.shardRows(2, 2));
        try (SampleNoise.Scope s = SampleNoise.shardRows(0, 2)) {
            assertThrows(IllegalStateException.class, () -> SampleNoise.shardRows(1, 2));
        }
        // The first scope's close ended it: a new one opens.
        assertDoesNotThrow(() -> SampleNoise.shardRows(1, 2).close());
    }
}
