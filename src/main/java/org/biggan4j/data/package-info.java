/**
 * The data room (floor 4): datasets and the training loader. Readers for idx (MNIST, Fashion-MNIST),
 * CIFAR-10/100, image folders and labels files (multi-label, the JFT-300M treatment), the packed
 * {@code BG4JPACK} format that is memory-mapped so training never decodes a JPEG (SPEC section 6), resampled
 * views, and the {@link org.biggan4j.data.DataLoader}, whose resumable
 * {@link org.biggan4j.data.LoaderPosition} makes a resumed run see the same batches.
 * <p>May use: image, io, tensor. Used by: eval, sample, train and cli (run, once it exists).
 */
package org.biggan4j.data;
