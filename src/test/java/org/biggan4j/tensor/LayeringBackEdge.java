package org.biggan4j.tensor;

import org.biggan4j.cli.Biggan4j;

/**
 * A deliberate back edge for {@code LayeringTest}'s negative case: a class in the lowest room
 * that uses the top one. It lives in the test classes only, so the main layering is untouched.
 */
public final class LayeringBackEdge {

    private LayeringBackEdge() {
    }

    static String commandName() {
        return Biggan4j.class.getSimpleName();
    }
}
