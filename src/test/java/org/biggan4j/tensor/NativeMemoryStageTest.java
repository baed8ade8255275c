package org.biggan4j.tensor;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link NativeMemory#stage}: a no-grad forward keeps only each stage's output alive. */
class NativeMemoryStageTest {

    private static final long[] TEMPORARY = {1L << 20};

    /**
     * Five stages, each making four 4 MB temporaries (recorded in {@code temporaries}) and
     * returning a small result.
     */
    private static Tensor forward(boolean staged, Tensor x, List<Tensor> temporaries) {
        Tensor h = x;
        for (int i = 0; i < 5; i++) {
            Tensor in = h;
            Supplier<Tensor> stage = () -> {
                Tensor t = torch.ones(TEMPORARY).mul(in.mean());
                temporaries.add(t);
                for (int k = 0; k < 3; k++) {
                    t = t.add(new Scalar(1.0));
                    temporaries.add(t);
                }
                return t.narrow(0, 0, 4).contiguous().mul(new Scalar(0.5));
            };
            h = staged ? NativeMemory.stage(stage) : stage.get();
        }
        return h;
    }

    /** How many of the temporaries are still allocated (a freed JavaCPP pointer reads as null). */
    private static long alive(List<Tensor> temporaries) {
        return temporaries.stream().filter(t -> !t.isNull()).count();
    }

    /**
     * Counted directly rather than through resident memory: with the tuned glibc the tests run on,
     * freed pages stay resident for reuse, so RSS cannot show what was freed.
     */
    @Test
    void underNoGradOnlyTheOutputsStayAlive() {
        Tensor expected;
        List<Tensor> unstaged = new ArrayList<>();
        try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            expected = NativeMemory.keep(forward(false, torch.ones(4), unstaged));
            // Unstaged, the scope holds all 20 temporaries until it closes.
            assertEquals(20, alive(unstaged), "unstaged forward keeps its temporaries");
        }
        assertEquals(0, alive(unstaged), "the scope frees them when it closes");
        List<Tensor> staged = new ArrayList<>();
        try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            Tensor out = forward(true, torch.ones(4), staged);
            assertEquals(0, alive(staged), "staged forward frees them as each stage returns");
            assertTrue(torch.equal(out, expected), "the same values");
            assertTrue(!out.isNull());
        }
        expected.close();
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
