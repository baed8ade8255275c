/**
 * The health room (floor 10): watching a run for the collapse BigGAN section 4 describes. The spectra tracker
 * (sigma_0..2 of every weight, section 4.1), the collapse detector and monitor (sigma_0 explosion, D loss,
 * quality proxies; warn, stop or roll back), the listeners a configuration asks for, and the HTML health page
 * of a run.
 * <p>May use: train and every room below it. Used by: cli (run, once it exists).
 */
package org.biggan4j.health;
