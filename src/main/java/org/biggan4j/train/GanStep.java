package org.biggan4j.train;

import org.biggan4j.augment.Augmentation;
import org.biggan4j.loss.CriticOutputs;
import org.biggan4j.loss.GanObjective;
import org.biggan4j.loss.LossTerms;
import org.biggan4j.model.Discriminator;
import org.biggan4j.model.Generator;
import org.biggan4j.regularize.PenaltyContext;
import org.biggan4j.regularize.Regularizer;
import org.biggan4j.tensor.Autocast;
import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.train.optim.Optimizers;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.biggan4j.train.optim.ParameterOptimizer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongToDoubleFunction;

/**
 * One training iteration: {@code dSteps} discriminator updates, then one generator update,
 * then the weight-average (EMA) update (BigGAN-PyTorch's {@code train_fns.GAN_training_function}
 * order).
 *
 * <ul>
 *   <li>During D updates G runs under no-grad (no graph is built for it) in training mode, so
 *       its BatchNorm uses batch statistics as it will when G is updated.</li>
 *   <li>D scores generated and real images in one forward over both (BigGAN-PyTorch's
 *       {@code D(torch.cat([G_z, x]))}) unless its scores depend on the batch (DCGAN's critic
 *       with BatchNorm): one spectral-norm power iteration per D step, as there.</li>
 *   <li>During the G update D's parameters have {@code requires_grad} off, so backward computes
 *       no gradient for them and D's optimiser state is untouched.</li>
 *   <li>Every loss and gradient norm is checked before its optimiser step: a NaN or infinity
 *       throws {@link NonFiniteStepException} and no weight changes.</li>
 *   <li>libtorch's generator is reseeded from (seed, iteration) at the start of each iteration,
 *       so that an iteration's noise depends only on its number: a resumed run draws exactly
 *       the noise the uninterrupted run would have.</li>
 *   <li>With {@link Interventions} (the configuration's {@code interventions} section), a frozen
 *       network's optimiser step and after-step regularisers are skipped, an optimiser whose
 *       moments are reset is replaced before the iteration, and the optimiser settings in force
 *       are written into both optimisers at the start of every iteration.</li>
 *   <li>As one replica of a data-parallel job ({@link #synchronizeWith}), every network update's
 *       gradients are averaged over the replicas before their norm is taken, so every replica
 *       applies the same update; a non-finite loss is then caught through that norm, which all
 *       replicas share.</li>
 *   <li>With an {@link Augmentation} ({@link #augmentWith}; the configuration's {@code augment}
 *       section), D sees only augmented images: reals and fakes in every D update (each batch its
 *       own per-sample draws, before the one forward over both), and fakes in the G update,
 *       where G's gradients flow back through the augmentation (Zhao et al. 2020; Karras et al.
 *       2020). Penalties on D's inputs (R1, WGAN-GP) see the augmented images D saw, as in
 *       StyleGAN2-ADA. Without one, nothing is drawn and nothing is computed for it.</li>
 * </ul>
 * The step must run inside a {@code PointerScope} (the loop provides one); everything it
 * creates is released when that scope closes.
 */
public final class GanStep {

    private static final Logger LOG = LoggerFactory.getLogger(GanStep.class);

    /** Called after every G update with the iteration just completed (the EMA). */
    @FunctionalInterface
    public interface AfterGenerator {
        void update(long iteration);
    }

    private final Generator generator;
    private final Discriminator discriminator;
    private final GanObjective objective;
    private final List<Regularizer> regularizers;
    private ParameterOptimizer generatorOptimizer;      // replaced when an intervention resets its moments
    private ParameterOptimizer discriminatorOptimizer;
    private LongToDoubleFunction generatorLr;  // replaced by reconfigure (a collapse roll-back)
    private LongToDoubleFunction discriminatorLr;
    private final BatchSource data;
    private final LatentSource latents;
    private final AfterGenerator afterGenerator;
    private StepSettings settings;
    private final ComputeDevice device;
    private final Interventions interventions; // null: none, and the optimisers' settings are left alone
    private int noiseSalt;
    private ReplicaSync replicas;              // null: this process trains alone
    private Augmentation augmentation;         // null: D sees the images as they are

    /**
     * One player of the game: its network, the optimiser over that network's parameters, and the
     * learning rate by iteration (the schedule). The step takes one per side, so the two cannot be
     * swapped by argument order: {@code Player<Generator>} and {@code Player<Discriminator>} are
     * different types.
     *
     * @param network      G or D
     * @param optimizer    the optimiser over {@code network}'s parameters (owned by the step from
     *                     then on: an intervention may replace it)
     * @param learningRate the learning rate of each (1-based) iteration
     */
    public record Player<N extends Module>(N network, ParameterOptimizer optimizer, LongToDoubleFunction learningRate) {
        public Player {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(optimizer, "optimizer");
            Objects.requireNonNull(learningRate, "learningRate");
        }
    }

    /** A step without interventions: optimisers keep the settings they were built with. */
    public GanStep(Player<Generator> generator, Player<Discriminator> discriminator, GanObjective objective,
                   List<Regularizer> regularizers, BatchSource data, LatentSource latents,
                   AfterGenerator afterGenerator, StepSettings settings, ComputeDevice device) {
        this(generator, discriminator, objective, regularizers, data, latents, afterGenerator, settings, device, null);
    }

    /**
     * A step that follows the configuration's {@link Interventions}: freezing, moment resets and
     * optimiser settings, which it writes into the optimisers at every iteration (the learning
     * rates still come from the players' schedules).
     */
    public GanStep(Player<Generator> generator, Player<Discriminator> discriminator, GanObjective objective,
                   List<Regularizer> regularizers, BatchSource data, LatentSource latents,
                   AfterGenerator afterGenerator, StepSettings settings, ComputeDevice device,
                   Interventions interventions) {
        this.interventions = interventions;
        this.generator = generator.network();
        this.discriminator = discriminator.network();
        this.objective = objective;
        this.regularizers = List.copyOf(regularizers);
        this.generatorOptimizer = generator.optimizer();
        this.discriminatorOptimizer = discriminator.optimizer();
        this.generatorLr = generator.learningRate();
        this.discriminatorLr = discriminator.learningRate();
        this.data = data;
        this.latents = latents;
        this.afterGenerator = afterGenerator;
        this.settings = settings;
        this.device = device;
    }

    /**
     * Runs iteration {@code iteration} (1-based: the number of G updates after it).
     *
     * @throws NonFiniteStepException before the optimiser step that would apply a NaN/Inf
     */
    public StepMetrics run(long iteration) {
        Seeds.seedTorch(Seeds.derive(settings.seed(), "iteration:" + iteration + ":" + noiseSalt));
        try (ReplicaSync.Iteration shared = replicas == null ? null : replicas.begin(iteration)) {
            Map<String, Double> metrics = runSteps(iteration);
            Map<String, Double> averaged = replicas == null ? metrics : replicas.averageMetrics(metrics);
            // After the average: every replica feeds ADA the same r_t and moves p alike.
            return new StepMetrics(iteration, augmentation == null ? averaged : augmentation.afterIteration(averaged));
        }
    }

    /**
     * Makes this step one replica of a data-parallel job: the batch size of its
     * {@link StepSettings} is then this process's share, and {@code sync} averages gradients and
     * metrics and shares BatchNorm moments (see {@link ReplicaSync}).
     */
    public void synchronizeWith(ReplicaSync sync) {
        this.replicas = sync;
    }

    /**
     * Augments everything D sees with {@code augmentation} from the next iteration on (null = no
     * augmentation). Its ADA state is the session's to checkpoint.
     */
    public void augmentWith(Augmentation augmentation) {
        this.augmentation = augmentation;
    }

    /** The augmentation of D's inputs, or null. */
    public Augmentation augmentation() {
        return augmentation;
    }

    /** {@code images} as D is to see them: augmented with fresh draws, or themselves. */
    private Tensor augmented(Tensor images) {
        return augmentation == null || !augmentation.active() ? images : augmentation.apply(images);
    }

    private Map<String, Double> runSteps(long iteration) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (interventions != null) {
            applyInterventions(iteration);
        }
        double lrD = discriminatorLr.applyAsDouble(iteration);
        double lrG = generatorLr.applyAsDouble(iteration);
        setLearningRate(discriminatorOptimizer, lrD);
        setLearningRate(generatorOptimizer, lrG);
        metrics.put("lr_d", lrD);
        metrics.put("lr_g", lrG);

        generator.train(true);
        discriminator.setTraining(true); // frozen blocks (FreezeD) stay in eval mode
        for (int s = 0; s < settings.dSteps(); s++) {
            discriminatorUpdate(iteration, s == settings.dSteps() - 1 ? metrics : null);
        }
        generatorUpdate(iteration, metrics);
        afterGenerator.update(iteration);
        return metrics;
    }

    /** The regularisers, in the order they act (their {@link Regularizer#state()} goes into checkpoints). */
    public List<Regularizer> regularizers() {
        return regularizers;
    }

    /** G's optimiser (a new object after a moment reset). */
    public ParameterOptimizer generatorOptimizer() {
        return generatorOptimizer;
    }

    /** D's optimiser (a new object after a moment reset). */
    public ParameterOptimizer discriminatorOptimizer() {
        return discriminatorOptimizer;
    }

    /**
     * Before iteration {@code iteration}: replaces an optimiser whose moments are to be forgotten
     * by a fresh one over the same parameters (libtorch exposes no way to clear an optimiser's
     * state in place; a fresh Adam is exactly one with zero moments and step 0), then writes the
     * settings in force into both optimisers.
     */
    private void applyInterventions(long iteration) {
        if (interventions.resetsMoments(Interventions.Network.GENERATOR, iteration)) {
            generatorOptimizer = fresh(generatorOptimizer, Interventions.Network.GENERATOR, iteration);
        }
        if (interventions.resetsMoments(Interventions.Network.DISCRIMINATOR, iteration)) {
            discriminatorOptimizer = fresh(discriminatorOptimizer, Interventions.Network.DISCRIMINATOR, iteration);
        }
        Optimizers.applyOptions(generatorOptimizer, interventions.optimizer(Interventions.Network.GENERATOR, iteration));
        Optimizers.applyOptions(discriminatorOptimizer,
                interventions.optimizer(Interventions.Network.DISCRIMINATOR, iteration));
    }

    private ParameterOptimizer fresh(ParameterOptimizer old, Interventions.Network network, long iteration) {
        // Kept: the step runs inside the iteration's PointerScope, and the optimiser lives on.
        ParameterOptimizer created = Optimizers.reset(interventions.optimizer(network, iteration), old);
        old.close();
        LOG.info("Iteration {}: {}'s optimiser state reset (interventions.reset_moments_{}_at).", iteration,
                network == Interventions.Network.GENERATOR ? "G" : "D",
                network == Interventions.Network.GENERATOR ? "g" : "d");
        return created;
    }

    private boolean frozen(Interventions.Network network, long iteration) {
        return interventions != null && interventions.frozen(network, iteration);
    }

    /**
     * Replaces the learning-rate schedules and the D steps per iteration from the next iteration on
     * (a roll-back of the collapse detector continues with a changed setting). The optimisers'
     * moments are kept.
     */
    public void reconfigure(LongToDoubleFunction generatorLr, LongToDoubleFunction discriminatorLr, int dSteps) {
        this.generatorLr = generatorLr;
        this.discriminatorLr = discriminatorLr;
        this.settings = new StepSettings(settings.batchSize(), dSteps, settings.accumulation(), settings.seed(),
                settings.bf16());
    }

    /**
     * Changes the noise every later iteration draws (0 by default). A roll-back after a
     * non-finite step increments it, so the replayed iterations do not repeat the draw that failed.
     */
    public void setNoiseSalt(int salt) {
        this.noiseSalt = salt;
    }

    /** The current noise salt (stored in checkpoints). */
    public int noiseSalt() {
        return noiseSalt;
    }

    private void discriminatorUpdate(long iteration, Map<String, Double> metrics) {
        discriminatorOptimizer.zeroGrad();
        try (Accumulator acc = new Accumulator()) {
            // A frozen D still computes its loss (logged, and what G trains against) but is not
            // updated, not even by a regulariser's after-step (clipping, the sigma clamp).
            double gradNorm = update(Interventions.Network.DISCRIMINATOR, discriminator, discriminatorOptimizer,
                    iteration, acc, this::discriminatorForwardBackward,
                    r -> r.afterDiscriminatorStep(discriminator, iteration));
            if (metrics != null) {
                metrics.putAll(acc.means(settings.accumulation()));
                metrics.put("grad_norm_d", gradNorm);
                if (objective.reportsWassersteinEstimate()) {
                    metrics.put("wasserstein", metrics.get("d_real") - metrics.get("d_fake"));
                }
            }
        }
    }

    private void generatorUpdate(long iteration, Map<String, Double> metrics) {
        // D's optimiser's parameters: the trainable ones, so that frozen blocks (FreezeD) stay frozen.
        TensorVector dParams = discriminatorOptimizer.parameters();
        setRequiresGrad(dParams, false);
        try {
            generatorOptimizer.zeroGrad();
            try (Accumulator acc = new Accumulator()) {
                double gradNorm = update(Interventions.Network.GENERATOR, generator, generatorOptimizer, iteration,
                        acc, this::generatorForwardBackward, r -> r.afterGeneratorStep(generator, iteration));
                metrics.putAll(acc.means(settings.accumulation()));
                metrics.put("grad_norm_g", gradNorm);
            }
        } finally {
            setRequiresGrad(dParams, true);
        }
    }

    /** One micro-batch's forward, loss and backward of a network update. */
    @FunctionalInterface
    private interface MicroBatch {
        void run(long iteration, Accumulator acc, int microBatches, boolean last);
    }

    /**
     * One network update, the same for D and G: {@code accumulation} micro-batches whose
     * gradients add up (each loss divided by their number, so the sum is the mean over the whole
     * batch), the gradient norm checked, then the optimiser step and the regularisers'
     * after-steps unless the network is frozen.
     *
     * @return the gradient norm
     */
    private double update(Interventions.Network network, Module module, ParameterOptimizer optimizer, long iteration,
                          Accumulator acc, MicroBatch microBatch, Consumer<Regularizer> afterStep) {
        int n = settings.accumulation();
        for (int a = 0; a < n; a++) {
            // Each forward/backward in its own scope: its activations are freed before the next,
            // so peak memory is one micro-batch's graph, not all D steps' and accumulations'.
            boolean last = a == n - 1;
            NativeMemory.scoped(() -> microBatch.run(iteration, acc, n, last));
        }
        double gradNorm = gradientNorm(module.parameters());
        if (!Double.isFinite(gradNorm)) {
            throw new NonFiniteStepException(iteration,
                    network == Interventions.Network.GENERATOR ? "grad_norm_g" : "grad_norm_d", gradNorm);
        }
        if (!frozen(network, iteration)) {
            optimizer.step();
            for (Regularizer r : regularizers) {
                try (NoGradGuard noGrad = new NoGradGuard()) {
                    afterStep.accept(r);
                }
            }
        }
        return gradNorm;
    }

    /** One D micro-batch: forwards of real and fake images, loss and penalties, backward. */
    private void discriminatorForwardBackward(long iteration, Accumulator acc, int n, boolean last) {
        RealBatch real = data.next();
        Tensor fakeClasses = latents.classes(settings.batchSize());
        Tensor fake;
        try (NoGradGuard noGrad = new NoGradGuard(); Autocast ac = Autocast.bf16(device, settings.bf16())) {
            fake = generator.forward(latents.latents(settings.batchSize()), fakeClasses).to(torch.ScalarType.Float);
        }
        // Real and generated halves augmented separately, each with its own per-sample draws.
        Tensor realImages = augmented(real.images());
        Tensor fakeImages = augmented(fake);
        Tensor realIn = realImages;
        Tensor fakeIn = fakeImages;
        for (Regularizer r : regularizers) {
            realIn = r.perturbDiscriminatorInput(realIn, iteration);
            fakeIn = r.perturbDiscriminatorInput(fakeIn, iteration);
        }
        Tensor realScores;
        Tensor fakeScores;
        Tensor fakeEmbedding;
        try (Autocast ac = Autocast.bf16(device, settings.bf16())) {
            if (discriminator.scoresBatchIndependent() && (real.classes() == null) == (fakeClasses == null)
                    && sameShapeButBatch(fakeIn, realIn)) {
                // One forward over [fake; real], as BigGAN-PyTorch's D(torch.cat([G_z, x])): the
                // same scores, one spectral-norm power iteration per D step as there (not two),
                // and convolutions over twice the batch.
                long nFake = fakeIn.size(0);
                Tensor scores = discriminator.forward(torch.cat(new TensorVector(fakeIn, realIn), 0),
                        fakeClasses == null ? null : torch.cat(new TensorVector(fakeClasses, real.classes()), 0))
                        .to(torch.ScalarType.Float);
                fakeScores = scores.narrow(0, 0, nFake);
                realScores = scores.narrow(0, nFake, scores.size(0) - nFake);
                Tensor embedding = discriminator.lastEmbedding();
                fakeEmbedding = embedding == null ? null : embedding.narrow(0, 0, nFake);
            } else {
                realScores = discriminator.forward(realIn, real.classes()).to(torch.ScalarType.Float);
                fakeScores = discriminator.forward(fakeIn, fakeClasses).to(torch.ScalarType.Float);
                fakeEmbedding = discriminator.lastEmbedding();
            }
        }
        LossTerms loss = objective.discriminatorLoss(
                new CriticOutputs(realScores, fakeScores, realIn, fakeIn, fakeEmbedding));
        Tensor total = loss.total();
        acc.add("d_loss", total);
        loss.parts().forEach((k, v) -> acc.add("d_loss_" + k, v));
        // R1 and WGAN-GP see the (augmented) images D was trained on, as StyleGAN2-ADA does: the
        // penalty then smooths D where D actually looks. LeCam reads the scores the loss used.
        PenaltyContext context = new PenaltyContext(discriminator, realImages, real.classes(), fakeImages,
                fakeClasses, realScores, fakeScores, iteration);
        for (Regularizer r : regularizers) {
            for (Map.Entry<String, Tensor> p : r.discriminatorPenalty(context).entrySet()) {
                total = total.add(p.getValue());
                acc.add("d_penalty_" + p.getKey(), p.getValue());
            }
        }
        acc.add("d_real", realScores.mean());
        acc.add("d_fake", fakeScores.mean());
        if (augmentation != null && augmentation.measuresRealSigns()) {
            // ADA's overfitting heuristic r_t = E[sign(D(x_real))] on the augmented reals D saw.
            acc.add(Augmentation.SIGN_REAL, torch.sign(realScores.detach()).mean());
        }
        requireFinite(iteration, "d_total_loss", total);
        backward(discriminator, total.div(new Scalar((double) n)), last);
    }

    /** One G micro-batch: G forward, D forward with frozen weights, loss and penalties, backward. */
    private void generatorForwardBackward(long iteration, Accumulator acc, int n, boolean last) {
        Tensor classes = latents.classes(settings.batchSize());
        Tensor fake;
        Tensor fakeScores;
        Tensor realScores = null;
        Tensor fakeEmbedding;
        RealBatch real = objective.generatorNeedsRealScores() ? data.next() : null;
        try (Autocast ac = Autocast.bf16(device, settings.bf16())) {
            fake = generator.forward(latents.latents(settings.batchSize()), classes).to(torch.ScalarType.Float);
        }
        // Outside autocast, in float: the augmentation is part of G's graph (its gradients flow
        // back through it to G's weights).
        Tensor fakeImages = augmented(fake);
        Tensor realImages = real == null ? null : augmented(real.images());
        try (Autocast ac = Autocast.bf16(device, settings.bf16())) {
            fakeScores = discriminator.forward(fakeImages, classes).to(torch.ScalarType.Float);
            fakeEmbedding = discriminator.lastEmbedding();
            if (real != null) {
                realScores = discriminator.forward(realImages, real.classes()).to(torch.ScalarType.Float);
            }
        }
        LossTerms loss = objective.generatorLoss(new CriticOutputs(realScores, fakeScores, realImages, fakeImages,
                fakeEmbedding));
        Tensor total = loss.total();
        acc.add("g_loss", total);
        loss.parts().forEach((k, v) -> acc.add("g_loss_" + k, v));
        for (Regularizer r : regularizers) {
            for (Map.Entry<String, Tensor> p : r.generatorPenalty(generator, iteration).entrySet()) {
                total = total.add(p.getValue());
                acc.add("g_penalty_" + p.getKey(), p.getValue());
            }
        }
        requireFinite(iteration, "g_total_loss", total);
        backward(generator, total.div(new Scalar((double) n)), last);
    }

    /** A micro-batch's backward; a replica averages the update's gradients in its last ({@link ReplicaSync}). */
    private void backward(Module network, Tensor loss, boolean last) {
        if (replicas == null) {
            loss.backward();
        } else {
            replicas.backward(network, loss, last);
        }
    }

    /** Whether two batches can be concatenated: equal sizes in every dimension but the first. */
    private static boolean sameShapeButBatch(Tensor a, Tensor b) {
        if (a.dim() != b.dim()) {
            return false;
        }
        for (int i = 1; i < a.dim(); i++) {
            if (a.size(i) != b.size(i)) {
                return false;
            }
        }
        return true;
    }

    /** L2 norm of all gradients together (one reduction per parameter, one sync in total). */
    static double gradientNorm(TensorVector parameters) {
        List<Tensor> norms = new ArrayList<>();
        for (long i = 0; i < parameters.size(); i++) {
            Tensor g = parameters.get(i).grad();
            if (g.defined()) {
                norms.add(torch.linalg_vector_norm(g.to(torch.ScalarType.Float)));
            }
        }
        if (norms.isEmpty()) {
            return 0.0;
        }
        return torch.linalg_vector_norm(torch.stack(new TensorVector(norms.toArray(new Tensor[0])))).item_double();
    }

    private static void setRequiresGrad(TensorVector params, boolean on) {
        for (long i = 0; i < params.size(); i++) {
            params.get(i).requires_grad_(on);
        }
    }

    static void setLearningRate(ParameterOptimizer optimizer, double lr) {
        optimizer.setLearningRate(lr);
    }

    private void requireFinite(long iteration, String term, Tensor value) {
        if (replicas != null) {
            // A replica must not leave the backward's collectives alone: its non-finite loss
            // reaches every replica through the averaged gradients, whose norm is checked
            // before the optimiser step on all of them alike.
            return;
        }
        double v = value.item_double();
        if (!Double.isFinite(v)) {
            throw new NonFiniteStepException(iteration, term, v);
        }
    }

    /**
     * Sums scalar terms over accumulation forwards and reads them out once at the end (one
     * device synchronisation per step, not per term). The sums are created inside the
     * micro-batches' scopes and kept past them; {@link #close()} frees them.
     */
    private static final class Accumulator implements AutoCloseable {
        private final Map<String, Tensor> sums = new LinkedHashMap<>();

        void add(String key, Tensor value) {
            Tensor v = value.detach().to(torch.ScalarType.Double);
            Tensor sum = sums.get(key);
            if (sum == null) {
                sums.put(key, NativeMemory.keep(v.clone()));
            } else {
                sum.add_(v);
            }
        }

        Map<String, Double> means(int n) {
            Map<String, Double> out = new LinkedHashMap<>();
            sums.forEach((k, v) -> out.put(k, v.item_double() / n));
            return out;
        }

        @Override
        public void close() {
            sums.values().forEach(Tensor::releaseReference);
            sums.clear();
        }
    }
}
