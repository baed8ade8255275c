/**
 * The augment room (floor 6): differentiable augmentation of everything the discriminator sees, for
 * training on small data. {@link org.biggan4j.augment.DiffAugment} is Zhao et al. 2020's colour,
 * translation and cutout; {@link org.biggan4j.augment.AdaPipeline} is Karras et al. 2020's 'bgc'
 * pipeline with {@link org.biggan4j.augment.AdaController} adapting its probability p;
 * {@link org.biggan4j.augment.Augmentation} is what the training step holds. Every random number is
 * a per-sample draw of {@link org.biggan4j.tensor.SampleNoise} from libtorch's generator, which the
 * step reseeds every iteration: a resumed run draws what the uninterrupted one drew, and
 * data-parallel replicas draw their own rows of the global batch.
 * <p>May use: the rooms below it (floors 1-5); it uses config and tensor. Used by: train.
 */
package org.biggan4j.augment;
