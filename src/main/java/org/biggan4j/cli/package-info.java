/**
 * The cli room (floor 13, the top): the {@code biggan4j} picocli commands. A command parses and validates
 * options and makes one call into the library (the run room, or a lower room); bad input ends as one line on
 * stderr and exit code 2 ({@link org.biggan4j.cli.ErrorHandler}).
 * <p>May use: every room. Used by: no room (it is the program's entry point).
 */
package org.biggan4j.cli;
