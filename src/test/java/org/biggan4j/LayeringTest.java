package org.biggan4j;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import org.biggan4j.tensor.LayeringBackEdge;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The package layering of biggan4j, checked on the compiled classes (every dependency: imports,
 * calls, field and signature types, annotations). A room is a top-level package with its
 * subpackages; it may use only the rooms on floors below its own, never a room on its own floor
 * or above. Each package's {@code package-info.java} says the same in prose; this table is the
 * one that is enforced, and README's "Layout" section draws it.
 */
class LayeringTest {

    /** Floors from the bottom; the rooms on one floor do not use each other. */
    static final List<List<String>> FLOORS = List.of(
            List.of("tensor"),                 // libtorch glue: devices, scopes, seeds, shapes
            List.of("io"),                     // file formats, bounded reads, input limits
            List.of("nn", "image"),            // layers; image codecs
            List.of("config", "data"),         // strict config records; datasets and loaders
            List.of("model", "loss"),          // architectures; objectives
            List.of("regularize", "checkpoint", "augment"), // augment: DiffAugment, ADA
            List.of("eval"),                   // metrics and feature networks
            List.of("sample"),                 // sampling, truncation, standing statistics
            List.of("train"),                  // the step, the session, listeners
            List.of("health", "dist"),         // collapse monitoring; multi-process training
            List.of("run"),                    // training runs, sampling jobs, evaluation reports
            List.of("bench", "serve"),         // benchmarks; the dashboard and sampler server
            List.of("cli"));

    private static final String ROOT = "org.biggan4j";

    /** The layering as an ArchUnit rule: each room may access exactly the rooms on lower floors. */
    static ArchRule layering() {
        LayeredArchitecture rule = layeredArchitecture().consideringOnlyDependenciesInLayers()
                .withOptionalLayers(true);
        for (List<String> floor : FLOORS) {
            for (String room : floor) {
                rule = rule.layer(room).definedBy(ROOT + "." + room + "..");
            }
        }
        List<String> below = new ArrayList<>();
        for (List<String> floor : FLOORS) {
            for (String room : floor) {
                rule = below.isEmpty()
                        ? rule.whereLayer(room).mayNotAccessAnyLayer()
                        : rule.whereLayer(room).mayOnlyAccessLayers(below.toArray(String[]::new));
            }
            below.addAll(floor);
        }
        return rule;
    }

    /** No cycle between any two packages, subpackages included (model and model.zoo, ...). */
    static ArchRule noPackageCycles() {
        return slices().matching(ROOT + ".(**)").should().beFreeOfCycles();
    }

    private static JavaClasses main;

    /** The compiled main classes, imported once (reading them is most of this test's time). */
    private static synchronized JavaClasses mainClasses() {
        if (main == null) {
            main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .importPackages(ROOT);
        }
        return main;
    }

    @Test
    void everyRoomUsesOnlyRoomsBelowIt() {
        layering().check(mainClasses());
    }

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        noPackageCycles().check(mainClasses());
    }

    @Test
    void everyMainPackageIsARoomOfTheTable() {
        List<String> rooms = FLOORS.stream().flatMap(List::stream).toList();
        List<String> strays = mainClasses().stream()
                .map(c -> c.getPackageName())
                .map(p -> p.equals(ROOT) ? "" : p.substring(ROOT.length() + 1).split("\\.")[0])
                .filter(room -> !rooms.contains(room))
                .distinct().toList();
        assertTrue(strays.isEmpty(), "packages outside the layering table: " + strays);
    }

    /**
     * The negative case: {@link LayeringBackEdge}, a test class in the {@code tensor} room that
     * uses the CLI, is added to the main classes; both rules must report it, so the checks above
     * can fail.
     */
    @Test
    void aBackEdgeIsReported() {
        String fixture = LayeringBackEdge.class.getName().replace('.', '/') + ".class";
        ImportOption mainPlusFixture = (Location location) ->
                ImportOption.Predefined.DO_NOT_INCLUDE_TESTS.includes(location) || location.contains(fixture);
        JavaClasses withBackEdge = new ClassFileImporter().withImportOption(mainPlusFixture).importPackages(ROOT);
        assertTrue(withBackEdge.contain(LayeringBackEdge.class), "the fixture was not imported");

        EvaluationResult layers = layering().evaluate(withBackEdge);
        assertTrue(layers.hasViolation(), "a tensor -> cli dependency passed the layering rule");
        assertTrue(layers.getFailureReport().toString().contains(LayeringBackEdge.class.getName()),
                layers.getFailureReport().toString());

        EvaluationResult cycles = noPackageCycles().evaluate(withBackEdge);
        assertTrue(cycles.hasViolation(), "tensor -> cli -> tensor passed the cycle rule");

        assertFalse(layering().evaluate(mainClasses()).hasViolation(), "the main classes alone must pass");
    }
}
