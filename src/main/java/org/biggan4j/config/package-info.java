/**
 * The config room (floor 4): the one way configuration enters the system.
 * {@link org.biggan4j.config.ConfigLoader} turns {@code defaults.yaml}, a preset and {@code --set} overrides
 * into an immutable, validated {@link org.biggan4j.config.TrainConfig} (unknown keys are errors); every
 * cross-field rule lives in {@link org.biggan4j.config.ConfigValidator};
 * {@link org.biggan4j.config.TorchScriptSpec} says how to feed a user's TorchScript feature network. The
 * resolved config is stored in every checkpoint.
 * <p>May use: io, nn, tensor. Used by: model, loss, regularize, checkpoint, eval, sample, train, health, bench
 * and cli.
 */
package org.biggan4j.config;
