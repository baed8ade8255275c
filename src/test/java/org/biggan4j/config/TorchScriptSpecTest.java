package org.biggan4j.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code key=value} form of a feature network spec ({@code output.eval_feature_spec}). */
class TorchScriptSpecTest {

    @Test
    void emptyIsInceptionV3AndCanonicalFormsParseBack() {
        assertEquals(TorchScriptSpec.inceptionV3(), TorchScriptSpec.parse(""));
        TorchScriptSpec s = new TorchScriptSpec(32, TorchScriptSpec.Resize.AREA,
                TorchScriptSpec.Normalisation.MINUS_ONE_ONE, 1, 2, -1, false);
        assertEquals(s, TorchScriptSpec.parse(s.canonical()));
        assertEquals(TorchScriptSpec.inceptionV3(), TorchScriptSpec.parse(TorchScriptSpec.inceptionV3().canonical()));
    }

    @Test
    void keysMayComeInAnyOrderAndOthersKeepInceptionsValues() {
        // channels=1 before the normalisation that allows it: checked once, on the whole spec.
        TorchScriptSpec s = TorchScriptSpec.parse(" channels=1, normalise=zero-one ,input=28");
        assertEquals(1, s.channels());
        assertEquals(TorchScriptSpec.Normalisation.ZERO_ONE, s.normalisation());
        assertEquals(28, s.inputSize());
        assertEquals(TorchScriptSpec.Resize.BILINEAR, s.resize());
        assertEquals(1, s.logitsOutput());
    }

    @Test
    void badSpecsNameTheKeyOrValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TorchScriptSpec.parse("size=32"))
                .getMessage().contains("unknown key 'size'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TorchScriptSpec.parse("input=big"))
                .getMessage().contains("input must be a whole number, got 'big'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TorchScriptSpec.parse("input"))
                .getMessage().contains("is not key=value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TorchScriptSpec.parse("channels=1"))
                .getMessage().contains("ImageNet normalisation"));
    }
}
