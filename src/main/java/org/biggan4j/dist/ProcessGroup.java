package org.biggan4j.dist;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.BackendOptional;
import org.bytedeco.pytorch.BoolVector;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Reducer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.SizeTStringMap;
import org.bytedeco.pytorch.SizeTVector;
import org.bytedeco.pytorch.SizeTVectorVector;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * PyTorch's own distributed engine (c10d): rendezvous through a {@link TCPStore} hosted by rank
 * 0, collectives through Gloo (CPU tensors) or NCCL (CUDA tensors). No protocol of our own:
 * ranks started by any launcher that sets {@link WorldSpec}'s variables meet here, as
 * torch.distributed's would.
 *
 * <p>Failures: every rank beats a counter in the store once a second and records the
 * iteration it works on. When a collective fails or times out, the error names the ranks
 * whose beat stopped (dead processes) or, failing that, those behind the others (hung ones);
 * when the store itself is gone, rank 0, which hosts it, is the one that died.
 *
 * <p>Collectives over many tensors are coalesced: tensors are flattened into one buffer of at
 * most {@link #BUCKET_ELEMENTS} elements per call (what DistributedDataParallel calls buckets),
 * so a network with hundreds of parameters costs a few messages per step, not hundreds.
 */
public final class ProcessGroup implements AutoCloseable {

    /** Elements per coalesced collective (25 MB of float32, DistributedDataParallel's default bucket). */
    static final long BUCKET_ELEMENTS = 25L * 1024 * 1024 / 4;

    private static final String BEAT = "biggan4j/beat/";
    private static final String AT = "biggan4j/at/";

    private final WorldSpec world;
    private final TCPStore store;
    private final Backend backend;
    private final Duration timeout;
    private final Thread heartbeat;
    private final ComputeDevice device;
    private org.bytedeco.pytorch.ProcessGroup c10d; // built with the first reducer
    private volatile boolean open = true;

    private ProcessGroup(WorldSpec world, TCPStore store, Backend backend, Duration timeout) {
        this.world = world;
        this.store = store;
        this.backend = backend;
        this.timeout = timeout;
        this.device = ComputeDevice.CPU;
        store.set(AT + world.rank(), "0");
        store.add(BEAT + world.rank(), 1);
        this.heartbeat = new Thread(this::beat, "biggan4j-heartbeat");
        heartbeat.setDaemon(true);
        heartbeat.start();
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
        return new ProcessGroup(world, store, gloo(world, store, timeout), timeout);
    }

    /**
     * As {@link #join(WorldSpec, Duration)}, with NCCL instead of Gloo when {@code device} is a
     * GPU: the collectives then take CUDA tensors of that device (cuda:LOCAL_RANK).
     */
    public static ProcessGroup join(WorldSpec world, Duration timeout, ComputeDevice device) {
        if (!device.isCuda()) {
            return join(world, timeout);
        }
        ProcessGroup gloo = join(world, timeout);
        // The store stays; the Gloo backend is replaced by NCCL's, which rendezvous through it too.
        gloo.backend.close();
        return new ProcessGroup(world, gloo.store, nccl(world, gloo.store), timeout, gloo.heartbeat, device);
    }

    private ProcessGroup(WorldSpec world, TCPStore store, Backend backend, Duration timeout, Thread heartbeat,
                         ComputeDevice device) {
        this.world = world;
        this.store = store;
        this.backend = backend;
        this.timeout = timeout;
        this.heartbeat = heartbeat;
        this.device = device;
    }

    /** The device of the tensors this group's collectives take: the CPU for Gloo, this rank's GPU for NCCL. */
    public ComputeDevice device() {
        return device;
    }

    private static Backend gloo(WorldSpec world, TCPStore store, Duration timeout) {
        ProcessGroupGloo.Options glooOptions = ProcessGroupGloo.Options.create(new Milliseconds(timeout.toMillis()));
        glooOptions.devices().push_back(ProcessGroupGloo.createDeviceForHostname(loopbackOr(world.masterAddr())));
        return new ProcessGroupGloo(new Store(store), world.rank(), world.worldSize(), glooOptions);
    }

    /** Kept apart: the NCCL classes load only when a CUDA job asks for them. */
    private static Backend nccl(WorldSpec world, TCPStore store) {
        return new ProcessGroupNCCL(new Store(store), world.rank(), world.worldSize());
    }

    /** Local jobs talk over loopback; others bind the interface that reaches the master's host. */
    private static String loopbackOr(String masterAddr) {
        return masterAddr.equals("localhost") || masterAddr.startsWith("127.") ? "127.0.0.1"
                : Objects.requireNonNullElse(hostName(), masterAddr);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
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
            wait(backend.allreduce(new TensorVector(flat), options(ReduceOp.RedOpType.SUM)), "all-reduce");
            flat.div_(new Scalar((double) world.worldSize()));
            unflatten(flat, bucket);
        }
    }

    /**
     * Replaces {@code tensor} (contiguous) in place by its reduction over all ranks: its sum,
     * minimum or maximum.
     */
    public void allReduce(Tensor tensor, ReduceOp.RedOpType op) {
        wait(backend.allreduce(new TensorVector(tensor), options(op)), "all-reduce");
    }

    private static AllreduceOptions options(ReduceOp.RedOpType op) {
        AllreduceOptions options = new AllreduceOptions();
        options.reduceOp(new ReduceOp(op));
        return options;
    }

    /**
     * Rank 0's value of {@code key}: rank 0 publishes {@code value} in the store, every rank
     * returns what rank 0 published (to compare with its own, e.g. the configuration).
     */
    public String leaderValue(String key, String value) {
        String full = "biggan4j/leader/" + key;
        if (world.isLeader()) {
            store.set(full, value);
            return value;
        }
        try {
            return store.get_to_str(full);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Rank " + world.rank() + " could not read " + key + " from rank 0 within "
                    + timeout.toSeconds() + " s: " + firstLine(e), e);
        }
    }

    /** Records the iteration this rank works on (named when a rank is behind after a failure). */
    public void markIteration(long iteration) {
        store.set(AT + world.rank(), Long.toString(iteration));
    }

    /** Overwrites every tensor, in place, with rank {@code root}'s values (parameters at start). */
    public void broadcast(List<Tensor> tensors, int root) {
        for (List<Tensor> bucket : buckets(tensors)) {
            Tensor flat = flatten(bucket);
            BroadcastOptions options = new BroadcastOptions();
            options.rootRank(root);
            wait(backend.broadcast(new TensorVector(flat), options), "broadcast");
            unflatten(flat, bucket);
        }
    }

    /** Blocks until every rank has reached this call. */
    public void barrier() {
        Tensor token = torch.zeros(new long[] {1}, device.options(torch.ScalarType.Float));
        wait(backend.allreduce(new TensorVector(token), new AllreduceOptions()), "barrier");
    }

    private void wait(Work work, String what) {
        try {
            work._wait(new Milliseconds(timeout.toMillis()));
        } catch (RuntimeException e) {
            throw failure(what, e);
        }
    }

    /** {@code e}, the failure of a collective, as one line naming the ranks that failed. */
    ReplicaFailureException failure(String what, RuntimeException e) {
        return new ReplicaFailureException("Rank " + world.rank() + ": " + what + " across " + world.worldSize()
                + " ranks failed (timeout " + timeout.toSeconds() + " s): " + diagnose() + " (" + firstLine(e) + ")", e);
    }

    /**
     * libtorch's DistributedDataParallel engine (c10d's Reducer) over {@code parameters}, which
     * must all require gradients: after {@code prepare_for_backward}, the next backward averages
     * their gradients across ranks, each bucket's all-reduce starting as soon as the backward
     * has produced the bucket's gradients, while it goes on computing the others. Buckets as
     * DistributedDataParallel's defaults: 1 MB first (the last layers' gradients, ready first),
     * then 25 MB. Unused parameters are found by walking the graph from the loss (a network
     * may leave some out, as EBGAN or an unconditional run leaves class embeddings). The caller
     * owns it (it outlives any open PointerScope).
     */
    Reducer reducer(TensorVector parameters) {
        if (c10d == null) {
            // The Reducer takes a c10d ProcessGroup, a front over backends by device; ours is its only one.
            // Kept past the training step's PointerScope that builds it: it lives as long as this group.
            c10d = NativeMemory.keep(
                    new org.bytedeco.pytorch.ProcessGroup(world.rank(), world.worldSize()));
            org.bytedeco.pytorch.ProcessGroup.BackendType type = device.isCuda()
                    ? org.bytedeco.pytorch.ProcessGroup.BackendType.NCCL : org.bytedeco.pytorch.ProcessGroup.BackendType.GLOO;
            c10d.setBackend(device.isCuda() ? torch.DeviceType.CUDA : torch.DeviceType.CPU, type,
                    new BackendOptional(backend));
            c10d.setDefaultBackend(type);
        }
        long first = 1024L * 1024;
        long rest = BUCKET_ELEMENTS * 4;
        SizeTVectorVector buckets = torch.compute_bucket_assignment_by_size(parameters,
                new SizeTVector(first, rest)).get0();
        boolean[] sparse = new boolean[(int) parameters.size()];
        return NativeMemory.keep(new Reducer(parameters, buckets, c10d,
                new BoolVector(sparse), rest, true, false, new SizeTStringMap(),
                first, false, false));
    }

    /** Beats this rank's counter once a second until closed. */
    private void beat() {
        while (open) {
            try {
                Thread.sleep(1000);
                store.add(BEAT + world.rank(), 1);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                return; // the store is gone (rank 0 died): nothing left to beat to
            }
        }
    }

    /**
     * Which ranks failed: those whose beat did not advance over three seconds are dead; if all
     * beat, those whose recorded iteration is behind the furthest are hung.
     */
    String diagnose() {
        try {
            store.setTimeout(new Milliseconds(5000));
            long[] before = beats();
            Thread.sleep(3000);
            long[] after = beats();
            List<Integer> dead = new ArrayList<>();
            for (int r = 0; r < before.length; r++) {
                if (r != world.rank() && after[r] == before[r]) {
                    dead.add(r);
                }
            }
            if (!dead.isEmpty()) {
                return (dead.size() == 1 ? "rank " + dead.get(0) + " stopped" : "ranks " + dead + " stopped")
                        + " (its process died or froze)";
            }
            long[] at = new long[world.worldSize()];
            long furthest = Long.MIN_VALUE;
            for (int r = 0; r < at.length; r++) {
                at[r] = Long.parseLong(store.get_to_str(AT + r));
                furthest = Math.max(furthest, at[r]);
            }
            List<String> behind = new ArrayList<>();
            for (int r = 0; r < at.length; r++) {
                if (at[r] < furthest) {
                    behind.add("rank " + r + " at iteration " + at[r]);
                }
            }
            return behind.isEmpty() ? "every rank is alive; a collective was called differently on some rank"
                    : String.join(", ", behind) + " behind iteration " + furthest + " (hung?)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "diagnosis interrupted";
        } catch (RuntimeException e) {
            return world.isLeader() ? "the rendezvous store failed" : "rank 0 stopped (its rendezvous store at "
                    + world.masterAddr() + ":" + world.masterPort() + " is gone)";
        }
    }

    private long[] beats() {
        long[] beats = new long[world.worldSize()];
        for (int r = 0; r < beats.length; r++) {
            beats[r] = store.add(BEAT + r, 0);
        }
        return beats;
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
        try (NoGradGuard g = new NoGradGuard()) {
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
        m = nl < 0 ? m : m.substring(0, nl);
        // Gloo prefixes its messages with the source file of the presets' build machine.
        return m.startsWith("[") && m.indexOf("] ") > 0 ? m.substring(m.indexOf("] ") + 2) : m;
    }

    @Override
    public void close() {
        open = false;
        heartbeat.interrupt();
        try {
            heartbeat.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (c10d != null) {
            c10d.close();
        }
        backend.close();
        store.close();
    }
}
