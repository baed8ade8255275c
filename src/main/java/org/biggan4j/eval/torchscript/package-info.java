/**
 * A user's TorchScript module as the feature network, fed as its {@link org.biggan4j.config.TorchScriptSpec}
 * says (resize, normalisation, which outputs are features and logits), identified by its SHA-256.
 * <p>Part of the eval room; uses eval, eval.reference, config, io, tensor. Used by train.listener and cli.
 */
package org.biggan4j.eval.torchscript;
