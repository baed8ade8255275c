package org.biggan4j.cli;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.Engine;
import picocli.CommandLine.Option;

/** Options shared by every command that runs libtorch: device, threads, seed. */
public final class RuntimeOptions {

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "libtorch intra-op threads; 0 = one per physical core (default).")
    int threads;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "SEED",
            description = "The one seed for torch, data order and Java randomness (default: ${DEFAULT-VALUE}).")
    long seed;

    /** Parses the device, applies threads and seed; throws a one-line error for bad values. */
    public ComputeDevice apply() {
        return Engine.configure(ComputeDevice.parse(device), threads, seed);
    }

    public long seed() {
        return seed;
    }
}
