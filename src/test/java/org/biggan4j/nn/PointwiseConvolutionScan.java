package org.biggan4j.nn;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Diagnostic, not a test: maps which channels-last 1x1 convolutions kill the JVM inside oneDNN
 * (see {@link CpuConvolutions#crashesOneDnnPointwise}). Each probe runs in a child JVM, which the
 * harness restarts after a crash, so one SIGFPE costs one probe and not the scan.
 *
 * <p>Usage (from the project root, after {@code mvn test-compile} and
 * {@code mvn dependency:build-classpath -Dmdep.outputFile=cp.txt -Dmdep.includeScope=test}):
 * {@code java -cp target/test-classes:target/classes:$(cat cp.txt) org.biggan4j.nn.PointwiseConvolutionScan
 * [--guarded] PROBES_FILE}, one probe a line: {@code in,out,height,width,batch,stride,threads,dtype,direction[,bias]}
 * with dtype {@code f32|bf16} and direction {@code fwd} (forward only), {@code bwd} (forward and
 * input gradient), {@code wgt} (forward and weight gradient) or {@code time} (median forward
 * time, printed). {@code --guarded} runs the probes through {@link CpuConvolutions#conv2d} instead of
 * plain {@code torch.conv2d}. Prints one line per probe: the probe, then {@code ok}, {@code error MESSAGE}
 * or {@code crash (exit N)} (the JVM exits 1 after a native crash when it may not write a core).
 */
public final class PointwiseConvolutionScan {

    private PointwiseConvolutionScan() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 1 && args[0].equals("--child")) {
            child(args.length > 1 && args[1].equals("--guarded"));
            return;
        }
        boolean guarded = args[0].equals("--guarded");
        List<String> probes = new ArrayList<>(Files.readAllLines(Path.of(args[args.length - 1])).stream()
                .map(String::trim).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList());
        PrintStream out = System.out;
        int next = 0;
        while (next < probes.size()) {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-XX:ErrorFile=/dev/null", "-XX:-CreateCoredumpOnCrash", "-cp",
                    System.getProperty("java.class.path"), PointwiseConvolutionScan.class.getName(), "--child"));
            if (guarded) {
                command.add("--guarded");
            }
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (var w = p.outputWriter(StandardCharsets.UTF_8)) {
                for (String probe : probes.subList(next, probes.size())) {
                    w.write(probe);
                    w.newLine();
                }
            }
            String started = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("time ")) {
                        out.println(line);
                    } else if (line.startsWith("start ")) {
                        started = line.substring(6);
                    } else if (line.startsWith("ok ")) {
                        out.println(line.substring(3));
                        out.flush();
                        started = null;
                        next++;
                    }
                }
            }
            int code = p.waitFor();
            if (started != null) {
                out.println(started + " crash (exit " + code + ")");
                out.flush();
                next++;
            } else if (code != 0) {
                throw new IllegalStateException("child exited " + code + " outside a probe");
            }
        }
    }

    private static void child(boolean guarded) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String probe = line.trim();
            System.out.println("start " + probe);
            System.out.flush();
            String outcome = "ok";
            try {
                NativeMemory.scoped(() -> run(probe, guarded));
            } catch (RuntimeException | LinkageError e) {
                // A Java or libtorch error is a finding of its own, not a crash.
                outcome = "error " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            }
            System.out.println("ok " + probe + " " + outcome);
            System.out.flush();
        }
    }

    private static void run(String probe, boolean guarded) {
        String[] f = probe.split(",");
        long inC = Long.parseLong(f[0]);
        long outC = Long.parseLong(f[1]);
        long h = Long.parseLong(f[2]);
        long w = Long.parseLong(f[3]);
        long batch = Long.parseLong(f[4]);
        long stride = Long.parseLong(f[5]);
        torch.set_num_threads(Integer.parseInt(f[6]));
        boolean bf16 = f[7].equals("bf16");
        boolean backward = f[8].equals("bwd");
        boolean weightGradient = f[8].equals("wgt");
        torch.ScalarType type = bf16 ? torch.ScalarType.BFloat16 : torch.ScalarType.Float;
        Tensor x = Tensors.randn(ComputeDevice.CPU, batch, inC, h, w).to(type)
                .contiguous(torch.MemoryFormat.ChannelsLast).requires_grad_(backward);
        Tensor weight = Tensors.randn(ComputeDevice.CPU, outC, inC, 1, 1).to(type)
                .requires_grad_(weightGradient);
        Tensor bias = f.length > 9 && f[9].equals("bias") ? Tensors.randn(ComputeDevice.CPU, outC).to(type) : null;
        long[] strides = {stride, stride};
        Tensor y = convolve(x, weight, bias, strides, guarded);
        if (backward || weightGradient) {
            y.sum().backward();
        }
        if (f[8].equals("time")) {
            // Median of 9 forwards after the one above (which built the primitive), under no-grad.
            double[] ms = new double[9];
            try (NoGradGuard ng = new NoGradGuard()) {
                for (int i = 0; i < ms.length; i++) {
                    long t0 = System.nanoTime();
                    NativeMemory.scoped(() -> {
                        Tensor z = convolve(x, weight, bias, strides, guarded);
                        z.sum().item_double();
                    });
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            Arrays.sort(ms);
            System.out.println("time " + probe + " " + ms[ms.length / 2] + " ms");
        }
    }

    /** The probe's 1x1 convolution, without padding: oneDNN's own route, or the guarded one. */
    private static Tensor convolve(Tensor x, Tensor weight, Tensor bias, long[] strides, boolean guarded) {
        long[] zero = {0, 0};
        return guarded ? CpuConvolutions.conv2d(x, weight, bias, strides, zero, true)
                : torch.conv2d(x, weight, bias == null ? new TensorOptional() : new TensorOptional(bias), strides, zero,
                new long[] {1, 1}, 1);
    }
}
