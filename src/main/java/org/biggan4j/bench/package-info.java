/**
 * The bench room (floor 12): benchmarks, not tests (their figures depend on the machine): whole training
 * iterations through the real step with model FLOPs utilisation, the machine's own peak through libtorch
 * (matrix product and a BigGAN-block convolution), wall-clock timing, and a sampling profiler of where a
 * thread spends its time.
 * <p>May use: every room below it (train, config, nn, tensor; run once it exists). Used by: cli.
 */
package org.biggan4j.bench;
