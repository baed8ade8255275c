package org.biggan4j.regularize;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The LeCam regulariser of Tseng et al. 2021, "Regularizing Generative Adversarial Networks under
 * Limited Data" (eq. 3):
 * <pre>
 *   R_LC = lambda * ( E_x[(D(x) - a_F)^2] + E_z[(D(G(z)) - a_R)^2] )
 * </pre>
 * where a_R and a_F are exponential moving averages of D's mean output on real and on generated
 * images. It pulls D's real scores toward where its fake scores have been and vice versa, which
 * keeps D from pushing its outputs apart on a training set it has memorised (the paper's section
 * 3 relates it to the LeCam divergence); it adds no forward: it reads the scores the loss used.
 *
 * <p>When the anchors move follows the official code (github.com/google/lecam-gan,
 * {@code third_party/utils.py ema_losses}, {@code biggan_cifar/losses.py loss_hinge_dis} and
 * {@code third_party/train_fns.py}):
 * <ul>
 *   <li>they are updated in every D forward (every D step and every accumulation micro-batch)
 *       from that batch's mean scores, <em>before</em> the penalty is computed, so the penalty
 *       already uses anchors that include the current batch;</li>
 *   <li>for iterations before {@code start} the decay is 0 (the anchors equal the latest batch's
 *       means), and the penalty applies only after iteration {@code start}: the official
 *       {@code ema_losses(start_itr=1000)} with {@code itr < start_itr} and
 *       {@code itr > start_itr}, iterations counted from 1 as here;</li>
 *   <li>the means are of D's raw outputs on what D saw (augmented images, when augmentation is
 *       on), reduced in the scores' precision and carried as doubles, as the official
 *       {@code torch.mean(D_real).item()}.</li>
 * </ul>
 * Two deliberate differences: the official code initialises the anchors to 1000 (harmless there,
 * as its decay is 0 for the first 1000 iterations); here the first update copies the batch means,
 * which is the same whenever {@code start} &gt;= 1 and sensible when it is 0. And the official
 * {@code lecam_reg} squares {@code relu(D(x) - a_F)} and {@code relu(a_R - D(G(z)))}, penalising
 * only scores that cross the other side's anchor; this class implements the paper's equation 3,
 * as specified in issue 23, which also penalises scores on the own side of the anchor. While D
 * separates real from fake (D(x) &gt; a_F, D(G(z)) &lt; a_R) the two agree.
 *
 * <p>State: the two anchors (and whether they have been set) are returned by {@link #state()} and
 * stored in checkpoints, so a resumed run continues bit-exactly.
 */
public final class LeCamPenalty implements Regularizer {

    private final double lambda;
    private final double decay;
    private final long start;
    private double anchorReal;
    private double anchorFake;
    private boolean anchored;

    /**
     * @param lambda strength (&gt; 0); the paper uses 0.3 on CIFAR with DiffAugment and 0.01 on ImageNet
     * @param decay  decay of the anchors' moving averages, in [0, 1) (the paper: 0.99)
     * @param start  iterations during which the anchors follow the latest batch and the penalty is off
     */
    public LeCamPenalty(double lambda, double decay, long start) {
        if (!(lambda > 0)) {
            throw new IllegalArgumentException("LeCam's lambda must be > 0, got " + lambda + ".");
        }
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("LeCam's decay must be in [0, 1), got " + decay + ".");
        }
        if (start < 0) {
            throw new IllegalArgumentException("LeCam's start must be >= 0, got " + start + ".");
        }
        this.lambda = lambda;
        this.decay = decay;
        this.start = start;
    }

    @Override
    public String name() {
        return "lecam";
    }

    @Override
    public Map<String, Tensor> discriminatorPenalty(PenaltyContext c) {
        long iteration = c.iteration();
        double meanReal = c.realScores().detach().mean().item_double();
        double meanFake = c.fakeScores().detach().mean().item_double();
        double d = anchored && iteration >= start ? decay : 0.0;
        anchorReal = anchorReal * d + meanReal * (1 - d);
        anchorFake = anchorFake * d + meanFake * (1 - d);
        anchored = true;
        if (iteration <= start) {
            return Map.of();
        }
        Tensor real = c.realScores().sub(new Scalar(anchorFake)).square().mean();   // E[(D(x) - a_F)^2]
        Tensor fake = c.fakeScores().sub(new Scalar(anchorReal)).square().mean();   // E[(D(G(z)) - a_R)^2]
        return Map.of(name(), real.add(fake).mul(new Scalar(lambda)));
    }

    /** a_R: the moving average of D's mean output on real images (NaN before the first update). */
    public double anchorReal() {
        return anchored ? anchorReal : Double.NaN;
    }

    /** a_F: the moving average of D's mean output on generated images (NaN before the first update). */
    public double anchorFake() {
        return anchored ? anchorFake : Double.NaN;
    }

    @Override
    public Map<String, Double> state() {
        if (!anchored) {
            return Map.of();
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("anchor_real", anchorReal);
        out.put("anchor_fake", anchorFake);
        return out;
    }

    @Override
    public void restoreState(Map<String, Double> state, String source) {
        if (state.isEmpty()) {
            anchored = false;
            anchorReal = 0;
            anchorFake = 0;
            return;
        }
        Double real = state.get("anchor_real");
        Double fake = state.get("anchor_fake");
        if (real == null || fake == null) {
            throw new IllegalArgumentException(source + ": the LeCam state " + state + " lacks anchor_real or "
                    + "anchor_fake; the file is damaged: use an earlier checkpoint.");
        }
        anchorReal = real;
        anchorFake = fake;
        anchored = true;
    }
}
