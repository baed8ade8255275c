/**
 * The serve room (floor 12): {@code biggan4j serve}, an embedded web dashboard (Javalin) over run
 * folders. It lists the runs under the served folders with the state their own files imply
 * ({@link org.biggan4j.serve.RunStatus}), shows a run's metrics, spectra, collapse decisions and
 * sample sheets live by short polling of the run's files from a byte offset
 * ({@link org.biggan4j.serve.JsonlTail}), overlays several runs, and guards every request
 * ({@link org.biggan4j.serve.AccessGuard}: loopback by default, a token otherwise, bounded sizes and
 * rates, files only from inside the served run folders). The trainer is never touched: the server
 * only reads what a run writes anyway.
 * <p>May use: every room below it (run, health, train.listener, checkpoint, io). Used by: cli.
 */
package org.biggan4j.serve;
