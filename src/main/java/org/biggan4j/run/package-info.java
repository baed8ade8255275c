/**
 * Runs: a training run, the demo, a sampling job and an evaluation report as library classes,
 * each taking a typed request and returning a typed result, and the listener set of a standard
 * training run.
 * This is what the command line calls; programs and tests call it the same way.
 *
 * <p>Room 10 of the layering: it may use every room below it ({@code train}, {@code health},
 * {@code dist}, {@code eval}, {@code sample}, {@code checkpoint}, {@code config}, {@code data},
 * {@code image}, {@code io}, {@code tensor}, ...); only {@code bench} and {@code cli} may use it.
 */
package org.biggan4j.run;
