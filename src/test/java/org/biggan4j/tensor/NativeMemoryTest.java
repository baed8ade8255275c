package org.biggan4j.tensor;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Native memory must stay flat over a long run of scoped training steps. */
class NativeMemoryTest {

    /** A small conv net: two 3x3 convs and a linear head, owned outside any scope. */
    static final class SmallConvNet extends Module {
        final Conv2dImpl conv1;
        final Conv2dImpl conv2;
        final LinearImpl head;

        SmallConvNet() {
            conv1 = register_module("conv1", new Conv2dImpl(conv(1, 16)));
            conv2 = register_module("conv2", new Conv2dImpl(conv(16, 16)));
            head = register_module("head", new LinearImpl(16 * 8 * 8, 10));
        }

        private static Conv2dOptions conv(long in, long out) {
            Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(3L, 3L));
            o.padding().put(new LongPointer(1L, 1L));
            return o;
        }

        Tensor forward(Tensor x) {
            Tensor h = torch.relu(conv1.forward(x));
            h = torch.avg_pool2d(h, new long[] {2, 2});
            h = torch.relu(conv2.forward(h));
            h = torch.avg_pool2d(h, new long[] {2, 2});
            return head.forward(h.reshape(x.size(0), -1));
        }
    }

    @Test
    void fiveHundredScopedAdamStepsDoNotGrowResidentMemory() {
        Engine.configure(ComputeDevice.CPU, 0, 7);
        SmallConvNet net = new SmallConvNet();
        Adam adam = new Adam(net.parameters(), new AdamOptions(1e-3));
        Tensor target = Tensors.fromLongs(new long[] {0, 1, 2, 3, 4, 5, 6, 7}, ComputeDevice.CPU, 8);

        Runnable step = () -> NativeMemory.scoped(() -> {
            Tensor x = Tensors.randn(ComputeDevice.CPU, 8, 1, 32, 32);
            Tensor loss = torch.cross_entropy(net.forward(x), target);
            adam.zero_grad();
            loss.backward();
            adam.step();
        });
        for (int i = 0; i < 50; i++) {      // warm-up: allocator caches, Adam state, oneDNN primitives
            step.run();
        }
        System.gc();
        long before = NativeMemory.residentBytes();
        for (int i = 0; i < 500; i++) {
            step.run();
        }
        System.gc();
        long after = NativeMemory.residentBytes();
        long growth = after - before;
        assertTrue(before > 0, "VmRSS must be readable on Linux");
        assertTrue(growth < 50L * 1024 * 1024,
                "resident memory grew by " + growth / (1024 * 1024) + " MB over 500 steps");
    }

    @Test
    void withoutAScopeTensorsOutliveTheStep() {
        // The control: the same tensors created outside a scope are still allocated afterwards,
        // which is what makes the scoped variant above meaningful.
        Tensor kept;
        kept = Tensors.randn(ComputeDevice.CPU, 4);
        assertTrue(!kept.isNull() && kept.numel() == 4);
        Tensor[] inside = new Tensor[1];
        NativeMemory.scoped(() -> {
            inside[0] = Tensors.randn(ComputeDevice.CPU, 4);
        });
        assertTrue(inside[0].isNull(), "a tensor created inside a scope is released when the scope closes");
    }

    @Test
    void keptTensorsOutliveTheirScopeUntilClosed() {
        Tensor[] kept = new Tensor[1];
        NativeMemory.scoped(() -> {
            kept[0] = NativeMemory.keep(Tensors.fromFloats(new float[] {1, 2}, ComputeDevice.CPU, 2));
        });
        assertTrue(!kept[0].isNull());
        Assertions.assertArrayEquals(new float[] {1, 2}, Tensors.toFloats(kept[0]));
        kept[0].close();
        assertTrue(kept[0].isNull(), "close() releases a kept tensor");
    }
}
