/**
 * The real side of an evaluation, computed once: what a feature network makes of the reference images
 * (features, logits, labels), cached in a folder keyed by the data, how it was read, and the network.
 * <p>Part of the eval room; uses eval, data, io, tensor. Used by eval.torchscript and cli.
 */
package org.biggan4j.eval.reference;
