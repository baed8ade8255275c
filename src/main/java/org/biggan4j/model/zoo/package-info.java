/**
 * Builds generators and discriminators by architecture name ({@link org.biggan4j.model.zoo.Models}) and counts
 * their parameters from the tables without allocating anything ({@link org.biggan4j.model.zoo.ModelSize}), so
 * a checkpoint asking for an enormous model is refused before it is built.
 * <p>Part of the model room; uses model and its architecture subpackages, config, io, nn, tensor. Used by
 * checkpoint.imports, sample, train and cli.
 */
package org.biggan4j.model.zoo;
