package org.biggan4j.tensor;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link NativeMemory#stage}: a no-grad forward keeps only each stage's output alive. */
class NativeMemoryStageTest {

    private static final long MB = 1L << 20;
    /** 64 MB of float32: large enough that the C allocator maps and unmaps it directly. */
    private static final long[] BIG = {16L << 20};

    /** Five stages, each making four 64 MB temporaries and returning a small result. */
    private static Tensor forward(boolean staged, Tensor x) {
        Tensor h = x;
        for (int i = 0; i < 5; i++) {
            Tensor in = h;
            Supplier<Tensor> stage = () -> {
                Tensor t = torch.ones(BIG).mul(in.mean());
                for (int k = 0; k < 3; k++) {
                    t = t.add(new Scalar(1.0));
                }
                return t.narrow(0, 0, 4).contiguous().mul(new Scalar(0.5));
            };
            h = staged ? NativeMemory.stage(stage) : stage.get();
        }
        return h;
    }

    @Test
    void underNoGradOnlyTheOutputsStayAlive() {
        long unstaged;
        long staged;
        Tensor expected;
        try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            long before = NativeMemory.residentBytes();
            expected = NativeMemory.keep(forward(false, torch.ones(4)));
            unstaged = NativeMemory.residentBytes() - before;
        }
        try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            long before = NativeMemory.residentBytes();
            Tensor out = forward(true, torch.ones(4));
            staged = NativeMemory.residentBytes() - before;
            assertTrue(torch.equal(out, expected), "the same values");
        }
        expected.close();
        // Unstaged, the scope holds 20 temporaries of 64 MB (1.25 GB) until it closes.
        assertTrue(unstaged > 1000 * MB, "unstaged forward keeps its temporaries: " + unstaged / MB + " MB");
        assertTrue(staged < 200 * MB, "staged forward frees them as each stage returns: " + staged / MB + " MB");
    }

    @Test
    void underAutogradItChangesNothing() {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = torch.ones(3).set_requires_grad(true);
            Tensor y = NativeMemory.stage(() -> x.mul(new Scalar(2.0)).sum());
            y.backward();
            assertEquals(2.0, x.grad().select(0, 0).item_double());
        }
    }

    @Test
    void outsideAnyScopeTheStageIsPlainCall() {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor y = NativeMemory.stage(() -> torch.ones(2).mul(new Scalar(3.0)));
            assertEquals(3.0, y.select(0, 1).item_double());
            y.close();
        }
    }
}
