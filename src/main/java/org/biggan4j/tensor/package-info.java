/**
 * The tensor room (floor 1, the bottom): the glue to libtorch that every other room stands on. Devices
 * ({@link org.biggan4j.tensor.ComputeDevice}), process-wide settings ({@link org.biggan4j.tensor.Engine}),
 * native- memory scopes ({@link org.biggan4j.tensor.NativeMemory}: every step, sampling batch and evaluation
 * batch is freed deterministically), one seed split into labelled streams ({@link org.biggan4j.tensor.Seeds}),
 * per- sample noise that stays right under data parallelism, bf16 autocast, and Java array &lt;-&gt; tensor
 * copies.
 * <p>May use: no room (only libtorch and JavaCPP). Used by: every other room.
 */
package org.biggan4j.tensor;
