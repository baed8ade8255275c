/**
 * Small fully connected generator and critic for low-dimensional toy data (the 2-D ring of Gaussians), points
 * shaped as {@code [B, D, 1, 1]} images so that they fit the generator contract.
 * <p>Part of the model room; uses model, tensor. Used by tests (the objectives' learning tests on the ring).
 */
package org.biggan4j.model.mlp;
