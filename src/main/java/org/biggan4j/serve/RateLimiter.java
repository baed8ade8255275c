package org.biggan4j.serve;

import java.util.HashMap;
import java.util.Map;

/**
 * A token bucket per client address: {@code burst} requests at once, refilled at
 * {@code perSecond}. Written here rather than taken from Javalin because Javalin's
 * {@code NaiveRateLimit} counts per endpoint in fixed windows (a client could spread a flood over
 * the endpoints, and a window resets all at once); one bucket over every request of a client
 * bounds what it costs the server in total. The table of clients is bounded: when it is full,
 * clients whose buckets have refilled (idle ones) are forgotten.
 */
final class RateLimiter {

    /** Clients remembered at most. */
    static final int MAX_CLIENTS = 10_000;

    private final double perSecond;
    private final int burst;
    private final Map<String, double[]> buckets = new HashMap<>();

    RateLimiter(double perSecond, int burst) {
        if (!(perSecond > 0) || burst < 1) {
            throw new IllegalArgumentException("A rate limit needs perSecond > 0 and burst >= 1, got " + perSecond
                    + " and " + burst + ".");
        }
        this.perSecond = perSecond;
        this.burst = burst;
    }

    /** Takes one request from {@code client}'s bucket at time {@code nanos}; false when it is empty. */
    synchronized boolean tryAcquire(String client, long nanos) {
        double[] bucket = buckets.get(client);
        if (bucket == null) {
            if (buckets.size() >= MAX_CLIENTS) {
                buckets.values().removeIf(b -> level(b, nanos) >= burst);
            }
            bucket = new double[] {burst, nanos};
            buckets.put(client, bucket);
        }
        bucket[0] = level(bucket, nanos);
        bucket[1] = nanos;
        if (bucket[0] < 1) {
            return false;
        }
        bucket[0] -= 1;
        return true;
    }

    private double level(double[] bucket, long nanos) {
        return Math.min(burst, bucket[0] + (nanos - (long) bucket[1]) / 1e9 * perSecond);
    }
}
