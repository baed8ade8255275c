package org.biggan4j.io;

import java.nio.file.Path;

/** The user's cache folder for biggan4j's downloads and derived data (XDG base directories). */
public final class UserCache {

    private UserCache() {
    }

    /**
     * {@code $XDG_CACHE_HOME/biggan4j/<name>}, else {@code ~/.cache/biggan4j/<name>}; the XDG
     * spec says a relative {@code XDG_CACHE_HOME} is invalid and must be ignored.
     */
    public static Path folder(String name) {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("biggan4j").resolve(name);
    }
}
