package org.biggan4j.augment;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ADA's probability p and its adjustment (Karras et al. 2020, section 3 and appendix B): the
 * overfitting heuristic r_t = E[sign(D(x_real))] over the reals D was trained on (augmented, as D
 * saw them) is accumulated over {@code interval} iterations; then
 * p &lt;- clamp(p + sign(r_t - target) * images / speedImages, 0, 1), where images are the real
 * images of those iterations (batch x interval), so that p can move from 0 to 1 in
 * {@code speedImages} images. A target of 0 keeps p fixed.
 *
 * <p>State (p, the partial sum and its count) goes into checkpoints through {@link #state()} and
 * comes back through {@link #restore}, so a resumed run adjusts p exactly as the uninterrupted
 * one, also when it stopped in the middle of an interval.
 */
public final class AdaController {

    /** The key of the state in a checkpoint's run state. */
    public static final String STATE_KEY = "ada";

    private final double initialP;
    private final double target;
    private final long speedImages;
    private final int interval;
    private final int imagesPerIteration;
    private double p;
    private double signSum;
    private int observed;
    private double lastRt = Double.NaN;

    /**
     * @param initialP           p at the first iteration (the fixed p when {@code target} is 0)
     * @param target             the r_t p is steered towards; 0 = p stays fixed
     * @param speedImages        real images for p to move by 1
     * @param interval           iterations between adjustments
     * @param imagesPerIteration real images one iteration's r_t is measured on (the global batch)
     */
    public AdaController(double initialP, double target, long speedImages, int interval, int imagesPerIteration) {
        if (!(initialP >= 0 && initialP <= 1) || !(target >= 0 && target < 1) || speedImages <= 0 || interval < 1
                || imagesPerIteration < 1) {
            throw new IllegalArgumentException("ADA needs p in [0, 1], target in [0, 1), speed_images > 0, interval "
                    + ">= 1 and a batch >= 1, got " + initialP + ", " + target + ", " + speedImages + ", " + interval
                    + ", " + imagesPerIteration + ".");
        }
        this.initialP = initialP;
        this.target = target;
        this.speedImages = speedImages;
        this.interval = interval;
        this.imagesPerIteration = imagesPerIteration;
        this.p = initialP;
    }

    /** The probability to augment with now. */
    public double p() {
        return p;
    }

    /** Whether p adapts (a target above 0). */
    public boolean adaptive() {
        return target > 0;
    }

    /**
     * Feeds one iteration's mean sign of D's outputs on (augmented) reals, in [-1, 1]; every
     * {@code interval}-th call adjusts p.
     */
    public void observe(double meanSignReal) {
        if (!(meanSignReal >= -1 && meanSignReal <= 1)) {
            throw new IllegalArgumentException("A mean sign lies in [-1, 1], got " + meanSignReal + ".");
        }
        signSum += meanSignReal;
        observed++;
        if (observed < interval) {
            return;
        }
        double rt = signSum / observed;
        signSum = 0;
        observed = 0;
        lastRt = rt;
        if (adaptive()) {
            double step = Math.signum(rt - target) * ((double) imagesPerIteration * interval) / speedImages;
            p = Math.min(Math.max(p + step, 0), 1);
        }
    }

    /**
     * r_t of the last completed interval; before the first one, the mean so far (0 before any
     * observation), so that the logged curve starts at once.
     */
    public double rt() {
        if (!Double.isNaN(lastRt)) {
            return lastRt;
        }
        return observed == 0 ? 0 : signSum / observed;
    }

    /** What a checkpoint stores: p, the interval's partial sum and count, the last r_t (JSON numbers). */
    public Map<String, Object> state() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("p", p);
        out.put("sign_sum", signSum);
        out.put("observed", observed);
        if (!Double.isNaN(lastRt)) {
            out.put("rt", lastRt);
        }
        return out;
    }

    /**
     * Restores {@link #state()} as read back from a checkpoint, or the initial state when the
     * checkpoint has none (it was written without ADA).
     *
     * @throws IllegalArgumentException naming the field when the stored value is not what
     *                                  {@link #state()} writes
     */
    public void restore(Object stored) {
        if (stored == null) {
            p = initialP;
            signSum = 0;
            observed = 0;
            lastRt = Double.NaN;
            return;
        }
        if (!(stored instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("state." + STATE_KEY + " is " + stored + ", not an object");
        }
        double storedP = number(map, "p");
        double storedSum = number(map, "sign_sum");
        double storedCount = number(map, "observed");
        if (!(storedP >= 0 && storedP <= 1) || storedCount < 0 || storedCount != Math.rint(storedCount)
                || Math.abs(storedSum) > storedCount) {
            throw new IllegalArgumentException("state." + STATE_KEY + " holds p=" + storedP + ", sign_sum=" + storedSum
                    + ", observed=" + storedCount + ", which ADA never writes (p in [0, 1], a whole count, |sum| <= "
                    + "count)");
        }
        p = storedP;
        signSum = storedSum;
        // A count beyond a smaller interval (changed on --resume --set) completes at the next call.
        observed = (int) Math.min(storedCount, interval - 1);
        lastRt = map.get("rt") == null ? Double.NaN : number(map, "rt");
    }

    private static double number(Map<?, ?> map, String key) {
        if (!(map.get(key) instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw new IllegalArgumentException("state." + STATE_KEY + "." + key + " is " + map.get(key)
                    + ", not a finite number");
        }
        return n.doubleValue();
    }
}
