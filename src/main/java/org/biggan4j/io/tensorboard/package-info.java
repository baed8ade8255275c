/**
 * TensorBoard event files, written without TensorFlow: TFRecord framing with masked CRC32C
 * ({@link org.biggan4j.io.tensorboard.TfRecords}), a tiny protobuf encoder for the few messages an
 * event file needs ({@code Event}, {@code Summary}, {@code Summary.Image}, {@code HistogramProto},
 * {@code SessionLog}), and {@link org.biggan4j.io.tensorboard.EventFileWriter}, which writes
 * {@code events.out.tfevents.<time>.<host>} files that {@code tensorboard --logdir} reads.
 *
 * <p>Why hand-written: no maintained Java library writes this format (TensorFlow's Java bindings
 * dropped their summary writer with the 1.x API, and the protobuf-java route would need the
 * TensorFlow .proto files and a code generator at build time for five small messages). The
 * format sources are TensorFlow's {@code tensorflow/core/util/event.proto},
 * {@code tensorflow/core/framework/summary.proto} (with {@code HistogramProto}) and
 * {@code tensorflow/core/lib/io/record_writer.cc} (framing) with
 * {@code tensorflow/core/lib/hash/crc32c.h} (the mask).
 * <p>Part of the io room; uses only the JDK. Used by train.listener.
 */
package org.biggan4j.io.tensorboard;
