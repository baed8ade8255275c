/**
 * The optimisers of training: Adam, RMSProp and SGD over a fixed parameter list with their state as plain
 * tensors (so checkpoints save it exactly; libtorch's own per-parameter state is not mapped by the presets),
 * and learning-rate schedules from configuration records.
 * <p>Part of the train room; uses checkpoint, config, tensor. Used by train.
 */
package org.biggan4j.train.optim;
