package org.biggan4j.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.biggan4j.eval.SampleEvaluator;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an {@link EvaluationRun} measured: one row of scores per truncation (or one for an array of
 * images), the real images' own Inception Score and class accuracy, the paper's reporting points,
 * and the JSON document written to {@code outDir/metrics.json}.
 *
 * @param outDir                where metrics.csv, metrics.json (and for a generator truncation-curve.png) are
 * @param featureNetwork        the feature network, described
 * @param realInceptionScore    the Inception Score of the real images
 * @param realClassAccuracy     the network's class accuracy on the real images
 * @param rows                  the scores, in the order evaluated
 * @param reportingPoints       best_fid, is_closest_to_real and max_is (BigGAN section 4) when there are
 *                              two rows or more, else empty
 * @param memorisationSummary   one line on the memorisation test (or why it was skipped); null for --samples
 * @param document              the full report as written to metrics.json (snake_case keys)
 */
public record EvaluationReport(Path outDir, String featureNetwork, double realInceptionScore, double realClassAccuracy,
                               List<SampleEvaluator.Scores> rows, Map<String, SampleEvaluator.Scores> reportingPoints,
                               String memorisationSummary, Map<String, Object> document) {

    /** The JSON style of metrics.json and {@code eval --json}: snake_case keys, as the rest of the tool. */
    static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    public EvaluationReport {
        rows = List.copyOf(rows);
        reportingPoints = Collections.unmodifiableMap(new LinkedHashMap<>(reportingPoints));
        document = Collections.unmodifiableMap(new LinkedHashMap<>(document));
    }

    /** The report as pretty-printed JSON, as in metrics.json. */
    public String json() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("The evaluation report could not be written as JSON: " + e.getMessage(), e);
        }
    }
}
