package org.biggan4j.dist;

import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch's own distributed engine (c10d) for a CPU job: rendezvous through a {@link TCPStore}
 * hosted by rank 0, collectives through Gloo. No protocol of our own: ranks started by any
 * launcher that sets {@link WorldSpec}'s variables meet here, as torch.distributed's would.
 *
 * <p>Collectives over many tensors are coalesced: tensors are flattened into one buffer of at
 * most {@link #BUCKET_ELEMENTS} elements per call (what DistributedDataParallel calls buckets),
 * so a network with hundreds of parameters costs a few messages per step, not hundreds.
 */
public final class ProcessGroup implements AutoCloseable {

    /** Elements per coalesced collective (25 MB of float32, DistributedDataParallel's default bucket). */
    static final long BUCKET_ELEMENTS = 25L * 1024 * 1024 / 4;

    private final WorldSpec world;
    private final TCPStore store;
    private final ProcessGroupGloo gloo;
    private final Duration timeout;

    private ProcessGroup(WorldSpec world, TCPStore store, ProcessGroupGloo gloo, Duration timeout) {
        this.world = world;
        this.store = store;
        this.gloo = gloo;
        this.timeout = timeout;
    }

    /**
     * Joins the job: rank 0 opens the store on MASTER_PORT and waits for the others; every rank
     * connects and builds the Gloo group. Blocks until all {@code worldSize} ranks have joined,
     * or fails after {@code timeout} naming what is missing.
     */
    public static ProcessGroup join(WorldSpec world, Duration timeout) {
        TCPStoreOptions options = new TCPStoreOptions();
        options.port((short) world.masterPort()); // a C++ uint16_t: ports above 32767 wrap to the same bits
        options.isServer(world.isLeader());
        options.numWorkers(new SizeTPointer(1).put(world.worldSize()));
        options.waitWorkers(true);
        options.timeout(new Milliseconds(timeout.toMillis()));
        TCPStore store;
        try {
            store = new TCPStore(world.masterAddr(), options);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Rank " + world.rank() + " could not " + (world.isLeader()
                    ? "open the rendezvous store on port " + world.masterPort() + " (in use? choose another MASTER_PORT)"
                    : "reach the rendezvous store at " + world.masterAddr() + ":" + world.masterPort())
                    + " within " + timeout.toSeconds() + " s: " + firstLine(e), e);
        }
        ProcessGroupGloo.Options glooOptions = ProcessGroupGloo.Options.create(new Milliseconds(timeout.toMillis()));
        glooOptions.devices().push_back(ProcessGroupGloo.createDeviceForHostname(loopbackOr(world.masterAddr())));
        ProcessGroupGloo gloo = new ProcessGroupGloo(new Store(store), world.rank(), world.worldSize(), glooOptions);
        return new ProcessGroup(world, store, gloo, timeout);
    }

    /** Local jobs talk over loopback; others bind the interface that reaches the master's host. */
    private static String loopbackOr(String masterAddr) {
        return masterAddr.equals("localhost") || masterAddr.startsWith("127.") ? "127.0.0.1"
                : java.util.Objects.requireNonNullElse(hostName(), masterAddr);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    public WorldSpec world() {
        return world;
    }

    /**
     * Replaces every tensor by its mean over all ranks, in place (gradient averaging). Tensors
     * are coalesced into buckets; all must have the same dtype and device.
     */
    public void allReduceMean(List<Tensor> tensors) {
        for (List<Tensor> bucket : buckets(tensors)) {
            Tensor flat = flatten(bucket);
            wait(gloo.allreduce(new TensorVector(flat), new AllreduceOptions()), "all-reduce");
            flat.div_(new Scalar((double) world.worldSize()));
            unflatten(flat, bucket);
        }
    }

    /** Overwrites every tensor, in place, with rank {@code root}'s values (parameters at start). */
    public void broadcast(List<Tensor> tensors, int root) {
        for (List<Tensor> bucket : buckets(tensors)) {
            Tensor flat = flatten(bucket);
            BroadcastOptions options = new BroadcastOptions();
            options.rootRank(root);
            wait(gloo.broadcast(new TensorVector(flat), options), "broadcast");
            unflatten(flat, bucket);
        }
    }

    /** Blocks until every rank has reached this call. */
    public void barrier() {
        Tensor token = torch.zeros(new long[] {1}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float));
        wait(gloo.allreduce(new TensorVector(token), new AllreduceOptions()), "barrier");
    }

    private void wait(org.bytedeco.pytorch.Work work, String what) {
        try {
            work._wait(new Milliseconds(timeout.toMillis()));
        } catch (RuntimeException e) {
            throw new IllegalStateException("Rank " + world.rank() + ": " + what + " across " + world.worldSize()
                    + " ranks failed or timed out after " + timeout.toSeconds() + " s (another rank died or hangs): "
                    + firstLine(e), e);
        }
    }

    static List<List<Tensor>> buckets(List<Tensor> tensors) {
        List<List<Tensor>> buckets = new ArrayList<>();
        List<Tensor> current = new ArrayList<>();
        long size = 0;
        for (Tensor t : tensors) {
            if (!current.isEmpty() && size + t.numel() > BUCKET_ELEMENTS) {
                buckets.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(t);
            size += t.numel();
        }
        if (!current.isEmpty()) {
            buckets.add(current);
        }
        return buckets;
    }

    private static Tensor flatten(List<Tensor> bucket) {
        Tensor[] flat = new Tensor[bucket.size()];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = bucket.get(i).detach().reshape(-1);
        }
        return torch.cat(new TensorVector(flat), 0);
    }

    private static void unflatten(Tensor flat, List<Tensor> bucket) {
        long offset = 0;
        try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            for (Tensor t : bucket) {
                long n = t.numel();
                t.copy_(flat.narrow(0, offset, n).view_as(t));
                offset += n;
            }
        }
    }

    private static String firstLine(RuntimeException e) {
        String m = String.valueOf(e.getMessage()).strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public void close() {
        gloo.close();
        store.close();
    }
}
