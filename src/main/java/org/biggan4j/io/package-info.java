/**
 * The io room (floor 2): reading untrusted files safely and writing files atomically. Input ceilings
 * ({@link org.biggan4j.io.InputLimits}) and reads bounded by the real file size
 * ({@link org.biggan4j.io.BoundedReads}, {@link org.biggan4j.io.MemoryBudget}), the NumPy
 * {@code .npy}/{@code .npz} format, JSON lines, crash-safe writes ({@link org.biggan4j.io.AtomicFiles}) and
 * {@link org.biggan4j.io.BadInputException}, the one exception for bad input (one line, exit code 2 in the
 * CLI).
 * <p>May use: tensor. Used by: image, data, config, model (model.zoo), checkpoint, eval, train, health and
 * cli.
 */
package org.biggan4j.io;
