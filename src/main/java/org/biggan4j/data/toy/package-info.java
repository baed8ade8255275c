/**
 * Toy data of the data room: the 2-D ring of Gaussians (Metz et al. 2017, section 3.1) and its mode-coverage
 * metric (high-quality samples, modes covered), the classic mode-collapse benchmark on which the objectives'
 * learning tests run.
 * <p>May use: tensor (and the rest of data). Used by: tests only (the ring learning tests in train).
 */
package org.biggan4j.data.toy;
