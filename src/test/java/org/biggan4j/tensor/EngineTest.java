package org.biggan4j.tensor;

import org.bytedeco.openblas.presets.openblas_nolapack;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Process-wide settings: OpenBLAS runs on the calling thread, and that changes no result. */
class EngineTest {

    @Test
    void configureLeavesOpenBlasOnOneThreadUnlessTheEnvironmentSaysOtherwise() {
        Engine.configure(ComputeDevice.CPU, 0, 7);
        int expected = System.getenv("OPENBLAS_NUM_THREADS") == null ? 1
                : Integer.parseInt(System.getenv("OPENBLAS_NUM_THREADS").trim());
        assertEquals(expected, Engine.blasThreads());
    }

    /**
     * The optimisation changes nothing but speed, or rounding: OpenBLAS splits a GEMM over
     * threads by blocks of the output and each output element keeps its summation order, so the
     * products of a linear layer and the spectral-norm matrix-vector products are bit-identical on
     * one thread and on several; batched products (attention) agree within float rounding.
     */
    @Test
    void productsAreBitIdenticalOnOneAndOnSeveralBlasThreads() {
        int before = Engine.blasThreads();
        try {
            NativeMemory.scoped(() -> {
                Seeds.seedTorch(3);
                Tensor a = Tensors.randn(ComputeDevice.CPU, 384, 640);
                Tensor b = Tensors.randn(ComputeDevice.CPU, 640, 512);
                Tensor v = Tensors.randn(ComputeDevice.CPU, 640);
                Tensor q = Tensors.randn(ComputeDevice.CPU, 4, 256, 96);
                Tensor k = Tensors.randn(ComputeDevice.CPU, 4, 96, 256);
                openblas_nolapack.blas_set_num_threads(4);
                assertEquals(4, Engine.blasThreads());
                Tensor mm4 = a.mm(b);
                Tensor mv4 = a.mv(v);
                Tensor bmm4 = q.bmm(k);
                openblas_nolapack.blas_set_num_threads(1);
                assertTrue(torch.equal(mm4, a.mm(b)), "mm differs between 4 and 1 BLAS threads");
                assertTrue(torch.equal(mv4, a.mv(v)), "mv differs between 4 and 1 BLAS threads");
                // Batched products take another OpenBLAS kernel on one thread (its small-matrix
                // path), whose summation order differs: within rounding, 3e-7 of the largest value.
                Tensor bmm1 = q.bmm(k);
                double scale = bmm1.abs().max().item_double();
                double diff = bmm4.sub(bmm1).abs().max().item_double();
                assertTrue(diff <= 1e-6 * scale, "bmm differs by " + diff + " of " + scale);
            });
        } finally {
            openblas_nolapack.blas_set_num_threads(before);
        }
    }
}
