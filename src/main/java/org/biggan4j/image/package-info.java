/**
 * The image room (floor 3): image codecs and the BigGAN preprocessing. Decoding JPEG/PNG/BMP/GIF to channel-
 * major bytes ({@link org.biggan4j.image.ImageDecoding}), centre crop and area resampling (BigGAN appendix,
 * SPEC section 3: {@link org.biggan4j.image.AreaResize}), atomic PNG writes and sample sheets (grids with
 * class labels).
 * <p>May use: io, tensor. Used by: data, train (train.listener) and cli.
 */
package org.biggan4j.image;
