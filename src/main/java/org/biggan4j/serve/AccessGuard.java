package org.biggan4j.serve;

import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.http.UnauthorizedResponse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * The check every request passes first (a Javalin before-handler, so routes added later, the
 * sampler's included, get it too):
 * <ul>
 *   <li>a rate limit per client ({@link RateLimiter}: 429 when exceeded);</li>
 *   <li>with a token: the token, from the {@code token} query parameter (the URL printed at start,
 *       which then also sets a cookie so the page's own requests carry it), an
 *       {@code Authorization: Bearer} header or that cookie; compared in constant time; 401 without;</li>
 *   <li>without a token (only on a loopback address): the {@code Host} header must name the
 *       loopback host, so that a web page elsewhere cannot reach the server by pointing its own
 *       name at 127.0.0.1 (DNS rebinding); 403 otherwise;</li>
 *   <li>headers that keep run data inert in the browser: a Content-Security-Policy that allows
 *       scripts only from this server (no inline script runs, even if some text were ever
 *       inserted as HTML), {@code nosniff}, no framing, no referrer (the URL holds the token).</li>
 * </ul>
 */
final class AccessGuard implements Handler {

    /** The query parameter that carries the token. */
    static final String TOKEN_PARAMETER = "token";
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");
    private static final Map<String, String> HEADERS = Map.of(
            "Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                    + "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                    + "frame-ancestors 'none'; form-action 'self'",
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Referrer-Policy", "no-referrer");

    private final byte[] token;
    private final IntSupplier port;
    private final RateLimiter limiter;

    /**
     * @param token   the token every request must present, or null (loopback only: the Host check applies)
     * @param port    the bound port (cookies are not per port, so the cookie's name carries it)
     * @param limiter the per-client rate limit
     */
    AccessGuard(String token, IntSupplier port, RateLimiter limiter) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.port = port;
        this.limiter = limiter;
    }

    @Override
    public void handle(Context ctx) {
        HEADERS.forEach(ctx::header);
        if (!limiter.tryAcquire(ctx.ip(), System.nanoTime())) {
            ctx.header("Retry-After", "1");
            throw new HttpResponseException(HttpStatus.TOO_MANY_REQUESTS.getCode(),
                    "Too many requests from this address; try again in a second.");
        }
        if (token == null) {
            String host = ctx.host() == null ? "" : ctx.host().toLowerCase(Locale.ROOT);
            String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
                    : host.contains(":") ? host.substring(0, host.indexOf(':')) : host;
            if (!LOOPBACK_NAMES.contains(name)) {
                throw new ForbiddenResponse("This server answers only to localhost (Host header '" + host + "').");
            }
            return;
        }
        String cookie = "biggan4j_token_" + port.getAsInt();
        String fromQuery = ctx.queryParam(TOKEN_PARAMETER);
        String authorization = ctx.header("Authorization");
        String presented = fromQuery != null ? fromQuery
                : authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7).trim()
                : ctx.cookie(cookie);
        if (presented == null || !MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
            throw new UnauthorizedResponse("A token is required: open the URL that biggan4j serve printed at start "
                    + "(it ends in ?token=...).");
        }
        if (fromQuery != null && !fromQuery.equals(ctx.cookie(cookie))) {
            ctx.header("Set-Cookie", cookie + "=" + fromQuery + "; Path=/; HttpOnly; SameSite=Strict");
        }
    }
}
