package org.biggan4j.health;

import org.biggan4j.config.TrainConfig;
import org.biggan4j.train.StopSignal;
import org.biggan4j.train.TrainingListener;

import java.util.ArrayList;
import java.util.List;

/**
 * The health listeners a configuration asks for: the spectra tracker ({@code health.spectra_every
 * > 0}) and the collapse monitor ({@code health.on_collapse} not off), in the order they must run
 * (tracker, then monitor; both before the checkpoint listener).
 *
 * @param spectra the tracker, or null
 * @param monitor the monitor, or null
 */
public record HealthListeners(SpectraTracker spectra, CollapseMonitor monitor) {

    /** Builds them from {@code config.health()}. */
    public static HealthListeners of(TrainConfig config, StopSignal stop) {
        TrainConfig.HealthConfig h = config.health();
        SpectraTracker spectra = h.spectraEvery() > 0 ? new SpectraTracker(h.spectraEvery()) : null;
        CollapseMonitor monitor = h.onCollapse() != TrainConfig.OnCollapse.OFF ? new CollapseMonitor(spectra, stop)
                : null;
        return new HealthListeners(spectra, monitor);
    }

    /** The listeners, in running order. */
    public List<TrainingListener> list() {
        List<TrainingListener> out = new ArrayList<>();
        if (spectra != null) {
            out.add(spectra);
        }
        if (monitor != null) {
            out.add(monitor);
        }
        return out;
    }
}
