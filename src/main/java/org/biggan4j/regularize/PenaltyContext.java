package org.biggan4j.regularize;

import org.biggan4j.model.Discriminator;
import org.bytedeco.pytorch.Tensor;

/**
 * What a penalty may use during one D update.
 *
 * @param discriminator the network being trained (penalties call it on their own inputs)
 * @param realImages    the real batch as D saw it (augmented when augmentation is on, as
 *                      StyleGAN2-ADA's R1 sees it), {@code [B, C, H, W]}, no gradient
 * @param realClasses   its class ids {@code [B]} or null when unconditional
 * @param fakeImages    the generated batch as D saw it, detached from G
 * @param fakeClasses   the classes G was conditioned on, or null
 * @param realScores    D's scores {@code [B]} of the real batch as the loss saw them (after any
 *                      perturbation of D's input), with autograd history: a penalty on D's outputs
 *                      (LeCam) needs no second forward
 * @param fakeScores    D's scores of the generated batch, likewise
 * @param iteration     the current training iteration (for schedules)
 */
public record PenaltyContext(Discriminator discriminator, Tensor realImages, Tensor realClasses,
                             Tensor fakeImages, Tensor fakeClasses, Tensor realScores, Tensor fakeScores,
                             long iteration) {
}
