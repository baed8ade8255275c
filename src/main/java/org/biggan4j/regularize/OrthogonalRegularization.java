package org.biggan4j.regularize;

import org.biggan4j.model.Generator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.List;
import java.util.Map;

/**
 * BigGAN's orthogonal regularisation (section 3.1, eq. 3): beta * ||W W^T ⊙ (1 - I)||_F^2 for
 * every weight W (flattened to filters x fan-in), which penalises pairwise filter similarity
 * without constraining the norms, so that truncated latents stay in the regime G was trained
 * on. Parameters with fewer than two dimensions (biases, gains) are skipped, and so are those
 * whose name contains an excluded fragment: the shared class embedding, as in the paper.
 *
 * <p>The term is added to the loss and differentiated by autograd: its gradient is
 * 4 beta ((W W^T) ⊙ (1 - I)) W. (BigGAN-PyTorch applies 2 beta (...) W to the gradient directly,
 * i.e. half of this; use beta/2 here to match that code exactly.)
 */
public final class OrthogonalRegularization implements Regularizer {

    /** Name fragments excluded by default: the shared embedding of BigGAN's G. */
    public static final List<String> DEFAULT_EXCLUSIONS = List.of("shared");

    private final double betaGenerator;
    private final double betaDiscriminator;
    private final List<String> exclusions;

    public OrthogonalRegularization(double betaGenerator, double betaDiscriminator, List<String> exclusions) {
        if (betaGenerator < 0 || betaDiscriminator < 0) {
            throw new IllegalArgumentException("Orthogonal regularisation strengths must be >= 0.");
        }
        this.betaGenerator = betaGenerator;
        this.betaDiscriminator = betaDiscriminator;
        this.exclusions = List.copyOf(exclusions);
    }

    @Override
    public String name() {
        return "ortho";
    }

    @Override
    public Map<String, Tensor> generatorPenalty(Generator generator, long iteration) {
        return betaGenerator == 0 ? Map.of() : Map.of(name(), penalty(generator, betaGenerator));
    }

    @Override
    public Map<String, Tensor> discriminatorPenalty(PenaltyContext c) {
        return betaDiscriminator == 0 ? Map.of() : Map.of(name(), penalty(c.discriminator(), betaDiscriminator));
    }

    /**
     * ||W W^T ⊙ (1 - I)||_F^2 of a matrix W [out, in]. With more rows than columns (BigGAN's
     * first linear layer: 16 ch 4 4 outputs from a 20-value z chunk) W W^T is a large [out, out]
     * matrix of rank <= in; since ||W W^T||_F^2 = ||W^T W||_F^2 (both are the sum of sigma^4), the
     * term is ||W^T W||_F^2 - sum_i ||w_i||^4 from the small [in, in] Gram matrix, with the same
     * value and gradient (4 ((W W^T) ⊙ (1 - I)) W) up to float rounding.
     */
    static Tensor offDiagonalSquaredNorm(Tensor flat) {
        if (flat.size(0) > flat.size(1)) {
            Tensor rowNormsSquared = flat.mul(flat).sum(new long[] {1}, false, null);      // diag(W W^T)
            Tensor small = flat.t().mm(flat);                                                // [in, in]
            return small.mul(small).sum().sub(rowNormsSquared.mul(rowNormsSquared).sum());
        }
        // Otherwise the masked product itself, which has no cancellation for near-orthogonal rows.
        Tensor gram = flat.mm(flat.t());                                                     // [out, out]
        Tensor offDiagonal = gram.mul(torch.ones_like(gram).sub(torch.eye(gram.size(0), gram.options())));
        return offDiagonal.mul(offDiagonal).sum();
    }

    /** beta * sum over weights of ||W W^T ⊙ (1 - I)||_F^2. */
    public Tensor penalty(Module module, double beta) {
        StringTensorDict params = module.named_parameters(true);
        Tensor total = null;
        for (long i = 0; i < params.size(); i++) {
            String name = params.get(i).key().getString();
            Tensor w = params.get(i).value();
            if (w.dim() < 2 || !w.requires_grad() || exclusions.stream().anyMatch(name::contains)) {
                continue;
            }
            Tensor term = offDiagonalSquaredNorm(w.reshape(w.size(0), -1));
            total = total == null ? term : total.add(term);
        }
        if (total == null) {
            throw new IllegalArgumentException("Orthogonal regularisation found no weight matrix to regularise.");
        }
        return total.mul(Gradients.s(beta));
    }
}
