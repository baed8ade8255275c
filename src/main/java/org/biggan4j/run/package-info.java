/**
 * The run room (floor 11): training runs, sampling jobs and evaluation reports as library classes with typed
 * requests and results, so that the CLI, the demo and tests call the same code; also the standard listener
 * preset of a training run (metrics, progress, sheets, checkpoints, health, evaluation).
 * <p>May use: every room below it, above all train, health, dist, eval and sample. Used by: cli and bench.
 */
package org.biggan4j.run;
