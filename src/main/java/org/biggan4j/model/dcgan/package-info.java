/**
 * DCGAN (Radford et al. 2016) generator and discriminator, conditional through class-conditional BN and a
 * projection head, and EBGAN's auto-encoder discriminator (Zhao et al. 2017), whose score is the
 * reconstruction energy.
 * <p>Part of the model room; uses model, nn. Used by model.zoo.
 */
package org.biggan4j.model.dcgan;
