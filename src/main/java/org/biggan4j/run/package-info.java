/**
 * The run room (floor 11): a training run, the demo, a sampling job and an evaluation report as
 * library classes, each taking a typed request and returning a typed result, and the listener
 * set of a standard training run ({@link org.biggan4j.run.StandardListeners}). The command line
 * calls these; programs and tests call them the same way.
 * <p>May use: every room below it, above all train, health, dist, eval and sample. Used by: bench and cli.
 */
package org.biggan4j.run;
